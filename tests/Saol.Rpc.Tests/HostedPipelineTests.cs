using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Server.Kestrel.Core;
using Microsoft.Extensions.DependencyInjection;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>gRPC services mounted with <see cref="RpcApplicationBuilderExtensions.UseRpcServices"/> in a pipeline the test hosts.</summary>
public sealed class HostedPipelineTests
{
    [Fact]
    public async Task UseRpcServices_GrpcAndPlainRequests_EachReachesItsHandler()
    {
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(k => k.Listen(IPAddress.Loopback, 0, l => l.Protocols = HttpProtocols.Http2));
        await using var app = builder.Build();
        app.UseRpcServices(new RpcServerOptions { BearerToken = "hosted" }, Echo.BindService(new EchoService()));
        app.Run(context => context.Response.WriteAsync("plain"));
        await app.StartAsync().DefaultTimeout();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();

        using var channel = RpcChannel.ForAddress(address, new RpcChannelOptions { BearerToken = "hosted" });
        var reply = await new Echo.EchoClient(channel).UnaryAsync(new EchoRequest { Text = "hosted" }).ResponseAsync.DefaultTimeout();
        using var http = new HttpClient { DefaultRequestVersion = HttpVersion.Version20, DefaultVersionPolicy = HttpVersionPolicy.RequestVersionExact };
        var plain = await http.GetStringAsync(new Uri(new Uri(address), "/metrics")).DefaultTimeout();

        Assert.Equal("hosted", reply.Text);
        Assert.Equal("plain", plain);
        await app.StopAsync().DefaultTimeout();
    }
}

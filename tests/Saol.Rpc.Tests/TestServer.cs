using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Saol.Rpc.Tests.Protos;

namespace Saol.Rpc.Tests;

/// <summary>An <see cref="RpcServer"/> serving <see cref="EchoService"/> on a loopback port the OS picks.</summary>
internal sealed class TestServer : IAsyncDisposable
{
    private readonly List<RpcChannel> _channels = [];

    private TestServer(RpcServer server, EchoService echo, X509Certificate2? certificate)
    {
        Server = server;
        Echo = echo;
        Certificate = certificate;
    }

    public RpcServer Server { get; }

    public EchoService Echo { get; }

    public X509Certificate2? Certificate { get; }

    public static async Task<TestServer> StartAsync(bool tls = false, Action<RpcServerOptions>? configure = null)
    {
        var certificate = tls ? CreateSelfSignedCertificate() : null;
        var options = new RpcServerOptions { ListenAddress = IPAddress.Loopback, Certificate = certificate };
        configure?.Invoke(options);
        var echo = new EchoService();
        var server = new RpcServer(options);
        server.AddService(Protos.Echo.BindService(echo));
        await server.StartAsync().DefaultTimeout();
        return new TestServer(server, echo, certificate);
    }

    /// <summary>A client over a new channel; TLS channels trust exactly this server's certificate.</summary>
    public Echo.EchoClient Client(Action<RpcChannelOptions>? configure = null) => new(Channel(configure));

    public RpcChannel Channel(Action<RpcChannelOptions>? configure = null)
    {
        var options = new RpcChannelOptions();
        if (Certificate is { } pinned)
        {
            options.RemoteCertificateValidation = (_, presented, _, _) => presented is not null && presented.GetCertHashString() == pinned.GetCertHashString();
        }
        configure?.Invoke(options);
        var channel = RpcChannel.ForAddress(Server.LocalAddress, options);
        lock (_channels)
        {
            _channels.Add(channel);
        }
        return channel;
    }

    public async ValueTask DisposeAsync()
    {
        lock (_channels)
        {
            _channels.ForEach(c => c.Dispose());
        }
        await Server.DisposeAsync();
        Certificate?.Dispose();
    }

    /// <summary>A self-signed server certificate for localhost / 127.0.0.1, made fresh for the test run.</summary>
    public static X509Certificate2 CreateSelfSignedCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("localhost");
        san.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(certificateAuthority: false, hasPathLengthConstraint: false, pathLengthConstraint: 0, critical: true));
        using var ephemeral = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(7));
        // Reloading from PKCS#12 gives a key SslStream can use on every platform.
        return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pkcs12), null);
    }
}

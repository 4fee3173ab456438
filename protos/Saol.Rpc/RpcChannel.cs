using System.Net;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Rpc.Internal;

namespace Saol.Rpc;

/// <summary>
/// A gRPC channel over HttpClient's HTTP/2 (<c>http://</c> = cleartext h2c with prior knowledge,
/// <c>https://</c> = TLS with ALPN). Thread-safe; create one per target and share it. Pass it to a
/// generated client's constructor.
/// </summary>
public sealed class RpcChannel : ChannelBase, IDisposable
{
    private readonly HttpMessageInvoker _http;

    private RpcChannel(Uri address, RpcChannelOptions options)
        : base(address.GetLeftPart(UriPartial.Authority))
    {
        Address = address;
        Options = options;
        Logger = (options.LoggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Saol.Rpc.Client");
        var handler = new SocketsHttpHandler
        {
            EnableMultipleHttp2Connections = options.EnableMultipleHttp2Connections,
            InitialHttp2StreamWindowSize = options.InitialStreamWindowSize,
            KeepAlivePingDelay = options.KeepAlivePingDelay,
            KeepAlivePingTimeout = options.KeepAlivePingTimeout,
            KeepAlivePingPolicy = options.KeepAliveWithoutCalls ? HttpKeepAlivePingPolicy.Always : HttpKeepAlivePingPolicy.WithActiveRequests,
            ConnectTimeout = options.ConnectTimeout,
            PooledConnectionIdleTimeout = Timeout.InfiniteTimeSpan,
            AutomaticDecompression = DecompressionMethods.None,
            UseCookies = false,
            UseProxy = false,
        };
        if (options.RemoteCertificateValidation is { } validation)
        {
            handler.SslOptions.RemoteCertificateValidationCallback = validation;
        }
        _http = new HttpMessageInvoker(handler, disposeHandler: true);
        Invoker = new HttpCallInvoker(this);
    }

    /// <summary>The server's base address.</summary>
    public Uri Address { get; }

    internal RpcChannelOptions Options { get; }

    internal ILogger Logger { get; }

    internal HttpMessageInvoker Http => _http;

    internal HttpCallInvoker Invoker { get; }

    /// <summary>A channel to <paramref name="address"/> (<c>http://host:port</c> or <c>https://host:port</c>).</summary>
    public static RpcChannel ForAddress(string address, RpcChannelOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(address);
        return ForAddress(new Uri(address, UriKind.Absolute), options);
    }

    /// <summary>A channel to <paramref name="address"/> (<c>http://host:port</c> or <c>https://host:port</c>).</summary>
    public static RpcChannel ForAddress(Uri address, RpcChannelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(address);
        if (!address.IsAbsoluteUri || (address.Scheme != Uri.UriSchemeHttp && address.Scheme != Uri.UriSchemeHttps))
        {
            throw new ArgumentException($"Channel address must be an absolute http:// or https:// URI, not '{address}'.", nameof(address));
        }
        options ??= new RpcChannelOptions();
        options.Validate();
        return new RpcChannel(address, options);
    }

    /// <inheritdoc />
    public override CallInvoker CreateCallInvoker() => Invoker;

    /// <summary>Closes the channel's connections; calls in flight fail.</summary>
    public void Dispose() => _http.Dispose();
}

using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Logging;

namespace Saol.Rpc.Internal;

/// <summary>What every call on a server shares: its options, logger and the expected credentials.</summary>
internal sealed class ServerRuntime
{
    private readonly byte[]? _expectedAuthorization;

    public ServerRuntime(RpcServerOptions options, ILogger logger)
    {
        Options = options;
        Logger = logger;
        _expectedAuthorization = options.BearerToken is null ? null : Encoding.UTF8.GetBytes("Bearer " + options.BearerToken);
    }

    public RpcServerOptions Options { get; }

    public ILogger Logger { get; }

    /// <summary>True when no token is configured or <paramref name="authorization"/> carries it (compared in constant time).</summary>
    public bool IsAuthorized(string? authorization)
    {
        if (_expectedAuthorization is null)
        {
            return true;
        }
        if (authorization is null)
        {
            return false;
        }
        var presented = Encoding.UTF8.GetBytes(authorization);
        return CryptographicOperations.FixedTimeEquals(presented, _expectedAuthorization);
    }
}

using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Collective.Internal.Peer;
using Saol.Protos.V1;
using Google.Protobuf;
using Saol.Rpc;
using Saol.Rpc.Http2;

namespace Saol.Collective;

/// <summary>
/// The WorkerPeer service of one worker process: routes each incoming ring link to the ring of
/// its job and generation. It is served by a <see cref="StreamingServer"/> (standard gRPC on the
/// wire, with the request payloads read straight into pooled buffers). Create one per worker, call
/// <see cref="MapTo"/> before the server starts, and pass it to <see cref="Collectives.JoinRingAsync"/>
/// for every generation.
/// </summary>
public sealed class RingPeerService
{
    // A link's stream may arrive before this worker has joined the generation: the call then
    // waits on the entry's task, which Register completes.
    private readonly ConcurrentDictionary<(string JobId, long Generation), TaskCompletionSource<GrpcRingLink>> _rings = new();
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    public RingPeerService(ILoggerFactory? loggerFactory = null)
    {
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Saol.Collective.RingPeerService");
    }

    /// <summary>Serves WorkerPeer.RingLink on <paramref name="server"/> (before it starts).</summary>
    public void MapTo(StreamingServer server)
    {
        ArgumentNullException.ThrowIfNull(server);
        server.Map(RingWire.Method, RingLink);
    }

    /// <summary>
    /// WorkerPeer.RingLink: routes the stream to the ring of its job and generation, waiting for
    /// this worker to join it up to the sender's timeout. Runs on the connection's thread.
    /// </summary>
    private byte[] RingLink(StreamingServerCall call)
    {
        var headers = call.RequestHeaders;
        var jobId = headers.GetValue(PeerHeaders.JobId);
        if (string.IsNullOrEmpty(jobId)
            || !long.TryParse(headers.GetValue(PeerHeaders.Generation), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || !int.TryParse(headers.GetValue(PeerHeaders.SenderRank), NumberStyles.None, CultureInfo.InvariantCulture, out var sender)
            || !long.TryParse(headers.GetValue(PeerHeaders.TimeoutMilliseconds), NumberStyles.None, CultureInfo.InvariantCulture, out var timeoutMs)
            || timeoutMs <= 0)
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a ring link needs the headers {PeerHeaders.JobId}, {PeerHeaders.Generation}, {PeerHeaders.SenderRank} and {PeerHeaders.TimeoutMilliseconds}"));
        }
        var key = (jobId, generation);
        var entry = _rings.GetOrAdd(key, _ => NewEntry());
        GrpcRingLink link;
        try
        {
            link = entry.Task.WaitAsync(TimeSpan.FromMilliseconds(timeoutMs), call.CancellationToken).GetAwaiter().GetResult();
        }
        catch (TimeoutException)
        {
            // Drop the waiting entry unless a ring registered meanwhile.
            _rings.TryRemove(new KeyValuePair<(string, long), TaskCompletionSource<GrpcRingLink>>(key, entry));
            var reason = $"no ring for job {jobId} generation {generation} joined on this worker within {timeoutMs} ms";
            PeerLog.Refused(_logger, jobId, generation, sender, reason);
            throw new RpcException(new Status(StatusCode.Unavailable, reason));
        }
        catch (OperationCanceledException)
        {
            throw new RpcException(new Status(StatusCode.Cancelled, $"the ring link for job {jobId} generation {generation} ended while waiting for this worker to join"));
        }
        if (sender != link.Left.Rank)
        {
            var reason = $"rank {sender} is not the left neighbour (rank {link.Left.Rank}) in job {jobId} generation {generation}";
            PeerLog.Refused(_logger, jobId, generation, sender, reason);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, reason));
        }
        return link.ServeIncoming(call).ToByteArray();
    }
    internal void Register(GrpcRingLink link)
    {
        if (!_rings.GetOrAdd((link.JobId, link.Generation), _ => NewEntry()).TrySetResult(link))
        {
            throw new InvalidOperationException($"this worker already has a ring for job {link.JobId} generation {link.Generation}.");
        }
    }

    internal void Unregister(GrpcRingLink link)
    {
        if (_rings.TryGetValue((link.JobId, link.Generation), out var entry) && entry.Task.IsCompletedSuccessfully && entry.Task.Result == link)
        {
            _rings.TryRemove(new KeyValuePair<(string, long), TaskCompletionSource<GrpcRingLink>>((link.JobId, link.Generation), entry));
        }
    }

    private static TaskCompletionSource<GrpcRingLink> NewEntry() => new(TaskCreationOptions.RunContinuationsAsynchronously);
}

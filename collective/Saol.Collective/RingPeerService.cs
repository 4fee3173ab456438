using System.Collections.Concurrent;
using System.Globalization;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Collective.Internal.Peer;
using Saol.Protos.V1;
using Saol.Rpc;

namespace Saol.Collective;

/// <summary>
/// The WorkerPeer service of one worker process: routes each incoming ring link to the ring of
/// its job and generation. Create one per worker, add <see cref="Definition"/> to the worker's
/// <see cref="RpcServer"/>, and pass it to <see cref="Collectives.JoinRingAsync"/> for every
/// generation.
/// </summary>
public sealed class RingPeerService : WorkerPeer.WorkerPeerBase
{
    private readonly ConcurrentDictionary<(string JobId, long Generation), GrpcRingLink> _rings = new();
    private readonly ILogger _logger;

    /// <summary>Creates the service.</summary>
    public RingPeerService(ILoggerFactory? loggerFactory = null)
    {
        _logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Saol.Collective.RingPeerService");
        Definition = WorkerPeer.BindService(this);
    }

    /// <summary>The service definition to add to an <see cref="RpcServer"/>.</summary>
    public ServerServiceDefinition Definition { get; }

    /// <inheritdoc />
    public override Task<RingLinkSummary> RingLink(IAsyncStreamReader<RingSegment> requestStream, ServerCallContext context)
    {
        ArgumentNullException.ThrowIfNull(requestStream);
        ArgumentNullException.ThrowIfNull(context);
        var jobId = context.RequestHeaders.GetValue(PeerHeaders.JobId);
        if (string.IsNullOrEmpty(jobId)
            || !long.TryParse(context.RequestHeaders.GetValue(PeerHeaders.Generation), NumberStyles.None, CultureInfo.InvariantCulture, out var generation)
            || !int.TryParse(context.RequestHeaders.GetValue(PeerHeaders.SenderRank), NumberStyles.None, CultureInfo.InvariantCulture, out var sender))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument,
                $"a ring link needs the headers {PeerHeaders.JobId}, {PeerHeaders.Generation} and {PeerHeaders.SenderRank}"));
        }
        if (!_rings.TryGetValue((jobId, generation), out var link))
        {
            // The sender retries until this worker has joined the generation or its timeout passes.
            const string Reason = "no ring for this job and generation on this worker (yet)";
            PeerLog.Refused(_logger, jobId, generation, sender, Reason);
            throw new RpcException(new Status(StatusCode.Unavailable, $"{Reason}: job {jobId}, generation {generation}"));
        }
        if (sender != link.Left.Rank)
        {
            var reason = $"rank {sender} is not the left neighbour (rank {link.Left.Rank}) in job {jobId} generation {generation}";
            PeerLog.Refused(_logger, jobId, generation, sender, reason);
            throw new RpcException(new Status(StatusCode.FailedPrecondition, reason));
        }
        return link.ServeIncomingAsync(requestStream, context);
    }

    internal void Register(GrpcRingLink link)
    {
        if (!_rings.TryAdd((link.JobId, link.Generation), link))
        {
            throw new InvalidOperationException($"this worker already has a ring for job {link.JobId} generation {link.Generation}.");
        }
    }

    internal void Unregister(GrpcRingLink link) => _rings.TryRemove(new KeyValuePair<(string, long), GrpcRingLink>((link.JobId, link.Generation), link));
}

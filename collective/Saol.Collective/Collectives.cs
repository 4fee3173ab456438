using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Saol.Collective.Internal.Links;
using Saol.Collective.Internal.Peer;
using Saol.Collective.Internal.Ring;
using Saol.Rpc.Http2;

namespace Saol.Collective;

/// <summary>Creates the all-reduce of a ring generation.</summary>
public static class Collectives
{
    /// <summary>
    /// Joins this worker to a generation's ring: registers the ring with <paramref name="service"/>
    /// (so the left neighbour's link is accepted) and opens the link to the right neighbour. The
    /// neighbours may join a little later: the first collective waits for them up to
    /// <see cref="CollectiveOptions.Timeout"/>, and fails naming the neighbour that never came.
    /// Dispose the result when the generation ends.
    /// </summary>
    /// <exception cref="InvalidOperationException">This worker already has a ring for the job and generation.</exception>
    public static Task<IAllReduce> JoinRingAsync(
        RingPeerService service,
        RingMembership membership,
        CollectiveOptions? options = null,
        StreamingClientOptions? clientOptions = null,
        ILoggerFactory? loggerFactory = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(membership);
        options = (options ?? new CollectiveOptions()).Clone();
        options.Validate();
        var logger = (loggerFactory ?? NullLoggerFactory.Instance).CreateLogger("Saol.Collective.Ring");
        cancellationToken.ThrowIfCancellationRequested();
        if (membership.WorldSize == 1)
        {
            return Task.FromResult<IAllReduce>(new RingAllReduce(new InProcessRing(1)[0], 0, 1, options, logger));
        }
        var link = new GrpcRingLink(service, membership, options, clientOptions ?? new StreamingClientOptions(), logger);
        service.Register(link);
        link.Connect();
        return Task.FromResult<IAllReduce>(new RingAllReduce(link, membership.Rank, membership.WorldSize, options, logger));
    }

}

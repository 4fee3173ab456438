using System.Globalization;
using System.Threading.Channels;
using Google.Protobuf;
using Microsoft.Extensions.Logging;
using Saol.Collective.Internal.Links;
using Saol.Protos.V1;
using Saol.Rpc;
using WireSegment = Saol.Protos.V1.RingSegment;

namespace Saol.Collective.Internal.Peer;

/// <summary>
/// A rank's ring link over gRPC: one long-lived client stream (WorkerPeer.RingLink) to the right
/// neighbour carrying every segment of the generation, and the stream the left neighbour opened
/// to this rank's <see cref="RingPeerService"/>, whose segments land in the mailbox.
/// </summary>
/// <remarks>
/// Failure travels both ways round the ring: a rank that faults cancels its outgoing call (the
/// right neighbour's handler sees the stream break) and ends the incoming call with ABORTED (the
/// left neighbour's call fails), so every rank fails at once instead of at its timeout. A peer
/// process that dies breaks both of its TCP connections, which its neighbours see the same way.
/// </remarks>
internal sealed partial class GrpcRingLink : IRingLink
{
    private readonly RingMembership _membership;
    private readonly CollectiveOptions _options;
    private readonly ILogger _logger;
    private readonly RingPeerService _service;
    private readonly RpcChannelOptions _channelOptions;
    private RpcChannel? _channel;
    private readonly SegmentMailbox _mailbox = new();
    private readonly Channel<Links.RingSegment> _outgoing;
    private readonly CancellationTokenSource _abort = new();
    private AsyncClientStreamingCall<WireSegment, RingLinkSummary>? _call;
    private Task? _pump;
    private Exception? _fault;
    private int _incomingAttached;
    private int _closing;

    public GrpcRingLink(RingPeerService service, RingMembership membership, CollectiveOptions options, RpcChannelOptions channelOptions, ILogger logger)
    {
        _service = service;
        _membership = membership;
        _options = options;
        _logger = logger;
        Right = new PeerDescription(membership.RightRank, membership.PeerAddresses[membership.RightRank].ToString());
        Left = new PeerDescription(membership.LeftRank, membership.PeerAddresses[membership.LeftRank].ToString());
        _outgoing = Channel.CreateBounded<Links.RingSegment>(new BoundedChannelOptions(options.SendQueueSegments) { SingleReader = true });
        _channelOptions = channelOptions;
    }

    public PeerDescription Right { get; }

    public PeerDescription Left { get; }

    public string JobId => _membership.JobId;

    public long Generation => _membership.Generation;

    private int Rank => _membership.Rank;

    /// <summary>
    /// Opens the stream to the right neighbour. Nothing waits for an answer: the neighbour's
    /// server holds the call until its own ring for this generation is registered (up to this
    /// rank's <see cref="CollectiveOptions.Timeout"/>, sent in a header), and a refusal or a dead
    /// neighbour fails the first collective with the neighbour's answer.
    /// </summary>
    public void Connect()
    {
        var headers = new Metadata
        {
            { PeerHeaders.JobId, _membership.JobId },
            { PeerHeaders.Generation, _membership.Generation.ToString(CultureInfo.InvariantCulture) },
            { PeerHeaders.SenderRank, Rank.ToString(CultureInfo.InvariantCulture) },
            { PeerHeaders.TimeoutMilliseconds, ((long)_options.Timeout.TotalMilliseconds).ToString(CultureInfo.InvariantCulture) },
        };
        _channel = RpcChannel.ForAddress(_membership.PeerAddresses[Right.Rank], _channelOptions);
        _call = new WorkerPeer.WorkerPeerClient(_channel).RingLink(headers, cancellationToken: _abort.Token);
        PeerLog.Connected(_logger, Rank, Right.Address, JobId, Generation);
        _pump = PumpAsync(_call);
        _ = WatchResponseAsync(_call);
    }

    public async ValueTask SendAsync(Links.RingSegment segment, CancellationToken cancellationToken)
    {
        if (Volatile.Read(ref _fault) is { } fault)
        {
            segment.Payload.Dispose();
            throw fault;
        }
        try
        {
            await _outgoing.Writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }
        catch (ChannelClosedException)
        {
            segment.Payload.Dispose();
            throw Volatile.Read(ref _fault) ?? new CollectiveException($"rank {Rank}: the ring link to {Right} is closed") { PeerRank = Right.Rank, PeerAddress = Right.Address };
        }
        catch (OperationCanceledException)
        {
            segment.Payload.Dispose();
            throw;
        }
    }

    public ValueTask<Links.RingSegment> ReceiveAsync(long collective, CancellationToken cancellationToken) =>
        _mailbox.ReceiveAsync(collective, cancellationToken);

    public void Release(long collective) => _mailbox.Release(collective);

    public void Fault(Exception error)
    {
        if (Interlocked.CompareExchange(ref _fault, error, null) is not null)
        {
            return;
        }
        PeerLog.Faulted(_logger, Rank, JobId, Generation, error.Message);
        _mailbox.TryFault(error);
        _outgoing.Writer.TryComplete(error);
        while (_outgoing.Reader.TryRead(out var queued))
        {
            queued.Payload.Dispose();
        }
        // Cancels the outgoing call and ends the incoming handler: both neighbours learn of it.
        _abort.Cancel();
    }

    /// <summary>Serves the stream from the left neighbour (the RingLink call routed here by the service).</summary>
    public async Task<RingLinkSummary> ServeIncomingAsync(IAsyncStreamReader<WireSegment> requestStream, ServerCallContext context)
    {
        if (Interlocked.Exchange(ref _incomingAttached, 1) == 1)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"rank {Rank} already has a ring link from rank {Left.Rank} for job {JobId} generation {Generation}"));
        }
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(_abort.Token, context.CancellationToken);
        var summary = new RingLinkSummary();
        try
        {
            while (await requestStream.MoveNext(stop.Token).ConfigureAwait(false))
            {
                var message = requestStream.Current;
                if (PeerHeaders.FromWire(message) is not { } header || message.JobId != JobId || message.Generation != Generation || message.SenderRank != Left.Rank)
                {
                    var violation = new CollectiveException(
                        $"rank {Rank}: protocol violation from left neighbour {Left}: segment of job '{message.JobId}' generation {message.Generation} from rank {message.SenderRank} with phase {message.Phase} and wire dtype {message.WireDtype}")
                    { PeerRank = Left.Rank, PeerAddress = Left.Address };
                    Fault(violation);
                    throw new RpcException(new Status(StatusCode.InvalidArgument, violation.Message));
                }
                summary.SegmentsReceived++;
                summary.PayloadBytesReceived += message.Payload.Length;
                _mailbox.Post(new Links.RingSegment(header, new ByteStringPayload(message.Payload)));
            }
        }
        catch (OperationCanceledException) when (_abort.IsCancellationRequested)
        {
            throw new RpcException(new Status(StatusCode.Aborted, $"rank {Rank} aborted the ring: {_fault?.Message}"));
        }
        catch (Exception ex) when (ex is not RpcException { StatusCode: StatusCode.InvalidArgument })
        {
            var broken = new CollectiveException($"rank {Rank}: the ring link from left neighbour {Left} broke: {Describe(ex)}", ex)
            { PeerRank = Left.Rank, PeerAddress = Left.Address };
            Fault(broken);
            throw new RpcException(new Status(StatusCode.Aborted, broken.Message));
        }
        // The left neighbour completed its stream: it has sent all it ever will this generation.
        _mailbox.TryFault(new CollectiveException($"rank {Rank}: left neighbour {Left} closed its ring link (job {JobId}, generation {Generation})")
        { PeerRank = Left.Rank, PeerAddress = Left.Address });
        return summary;
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }
        _service.Unregister(this);
        _outgoing.Writer.TryComplete();
        try
        {
            if (_pump is not null && _call is not null)
            {
                // Half-close after the last queued segment, then wait for the neighbour's summary.
                await _pump.WaitAsync(_options.Timeout).ConfigureAwait(false);
                await _call.ResponseAsync.WaitAsync(_options.Timeout).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is RpcException or TimeoutException or OperationCanceledException or CollectiveException)
        {
            // A broken ring at shutdown has already been reported by the collective that saw it.
        }
        _mailbox.TryFault(new ObjectDisposedException(nameof(GrpcRingLink), $"rank {Rank}'s ring for job {JobId} generation {Generation} was disposed"));
        _call?.Dispose();
        _channel?.Dispose();
        _abort.Dispose();
    }

    private async Task PumpAsync(AsyncClientStreamingCall<WireSegment, RingLinkSummary> call)
    {
        try
        {
            await foreach (var segment in _outgoing.Reader.ReadAllAsync(_abort.Token).ConfigureAwait(false))
            {
                using (segment.Payload)
                {
                    var header = segment.Header;
                    var message = new WireSegment
                    {
                        JobId = JobId,
                        Generation = Generation,
                        SenderRank = Rank,
                        Collective = header.Collective,
                        Phase = PeerHeaders.ToWire(header.Phase),
                        Step = header.Step,
                        Chunk = header.Chunk,
                        Segment = header.Segment,
                        WireDtype = PeerHeaders.ToWire(header.Format),
                        TotalElements = header.TotalElements,
                        // No copy: the transport serializes the message before WriteAsync completes,
                        // and the payload is returned to its pool only after that.
                        Payload = UnsafeByteOperations.UnsafeWrap(segment.Payload.Memory),
                    };
                    await call.RequestStream.WriteAsync(message, _abort.Token).ConfigureAwait(false);
                }
            }
            await call.RequestStream.CompleteAsync().ConfigureAwait(false);
        }
        catch (Exception ex) when (!_abort.IsCancellationRequested && ex is not ChannelClosedException)
        {
            Fault(new CollectiveException($"rank {Rank}: sending to right neighbour {Right} failed: {Describe(ex)}", ex) { PeerRank = Right.Rank, PeerAddress = Right.Address });
        }
        catch (Exception ex) when (ex is OperationCanceledException or ChannelClosedException or RpcException)
        {
            // Faulted already: the fault carries the reason.
        }
    }

    private async Task WatchResponseAsync(AsyncClientStreamingCall<WireSegment, RingLinkSummary> call)
    {
        try
        {
            await call.ResponseAsync.ConfigureAwait(false);
            if (Volatile.Read(ref _closing) == 0)
            {
                Fault(new CollectiveException($"rank {Rank}: right neighbour {Right} ended the ring link while it was in use") { PeerRank = Right.Rank, PeerAddress = Right.Address });
            }
        }
        catch (Exception ex) when (!_abort.IsCancellationRequested)
        {
            Fault(new CollectiveException($"rank {Rank}: right neighbour {Right} ended the ring link: {Describe(ex)}", ex) { PeerRank = Right.Rank, PeerAddress = Right.Address });
        }
        catch (Exception ex) when (ex is RpcException or OperationCanceledException)
        {
            // This rank aborted the call itself.
        }
    }

    private static string Describe(Exception ex) => ex switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        TimeoutException => "timed out",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}

using System.Globalization;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;
using Saol.Collective.Internal.Links;
using Saol.Protos.V1;
using Saol.Rpc;
using Saol.Rpc.Http2;
using WireSegment = Saol.Protos.V1.RingSegment;

namespace Saol.Collective.Internal.Peer;

/// <summary>
/// A rank's ring link over gRPC: one long-lived client stream (WorkerPeer.RingLink) to the right
/// neighbour carrying every segment of the generation, and the stream the left neighbour opened
/// to this rank's <see cref="RingPeerService"/>, whose segments land in the mailbox.
/// </summary>
/// <remarks>
/// Failure travels both ways round the ring, carrying the first failure's reason and peer: a rank
/// that faults sends a <see cref="RingAbort"/> as the last message to its right neighbour (then
/// cancels the call) and ends the incoming call with ABORTED, the peer named in its trailers. So
/// every rank fails at once with an error naming the peer that failed first, instead of at its
/// timeout. A peer process that dies breaks both of its TCP connections, which its neighbours see
/// as a broken stream and pass on the same way.
/// </remarks>
internal sealed class GrpcRingLink : IRingLink
{
    // Trailers of an ABORTED incoming call: the peer that failed first, for the left neighbour's error.
    internal const string FailedPeerRankTrailer = "saol-failed-peer-rank";
    internal const string FailedPeerAddressTrailer = "saol-failed-peer-address";

    // How long an aborting rank tries to hand its abort message to the right neighbour.
    private static readonly TimeSpan s_abortGrace = TimeSpan.FromSeconds(1);

    private readonly RingMembership _membership;
    private readonly CollectiveOptions _options;
    private readonly ILogger _logger;
    private readonly RingPeerService _service;
    private readonly StreamingClientOptions _clientOptions;
    private readonly SegmentMailbox _mailbox = new();
    private readonly Channel<Links.RingSegment> _outgoing;
    private readonly TaskCompletionSource _pumped = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Timer? _hardClose;
    private StreamingClientCall? _call;
    private StreamingServerCall? _incoming;
    private Exception? _fault;
    private int _incomingAttached;
    private int _closing;

    public GrpcRingLink(RingPeerService service, RingMembership membership, CollectiveOptions options, StreamingClientOptions clientOptions, ILogger logger)
    {
        _service = service;
        _membership = membership;
        _options = options;
        _logger = logger;
        _clientOptions = clientOptions;
        Right = new PeerDescription(membership.RightRank, membership.PeerAddresses[membership.RightRank].ToString());
        Left = new PeerDescription(membership.LeftRank, membership.PeerAddresses[membership.LeftRank].ToString());
        _outgoing = Channel.CreateBounded<Links.RingSegment>(new BoundedChannelOptions(options.SendQueueSegments));
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
        _call = StreamingClientCall.Start(_membership.PeerAddresses[Right.Rank], RingWire.Method, headers, _clientOptions);
        PeerLog.Connected(_logger, Rank, Right.Address, JobId, Generation);
        new Thread(() => Pump(_call)) { IsBackground = true, Name = $"saol-ring-send-{Rank}" }.Start();
        _ = WatchResponseAsync(_call);
    }

    public async ValueTask SendAsync(Links.RingSegment segment, CancellationToken cancellationToken)
    {
        try
        {
            if (Volatile.Read(ref _fault) is { } fault)
            {
                throw fault;
            }
            await _outgoing.Writer.WriteAsync(segment, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex)
        {
            segment.Payload.Dispose();
            if (ex is ChannelClosedException)
            {
                throw Volatile.Read(ref _fault) ?? new CollectiveException($"rank {Rank}: the ring link to {Right} is closed") { PeerRank = Right.Rank, PeerAddress = Right.Address };
            }
            throw;
        }
    }

    public ValueTask<Links.RingSegment> ReceiveAsync(long collective, CancellationToken cancellationToken) =>
        _mailbox.ReceiveAsync(collective, cancellationToken);

    public void SetLanding(long collective, Func<SegmentHeader, int, LandedPayload?> destination) => _mailbox.SetLanding(collective, destination);

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
        // Ends the incoming call with ABORTED: the left neighbour learns of it.
        AbortIncoming(error);
        // The pump sees the completed queue, sends the abort message and cancels the call. A read or
        // write blocked on a neighbour that stopped mid-frame would hold the caller's buffer (a lent
        // send, a landing): after the grace for the abort to travel, both connections are closed,
        // which fails any such I/O at once.
        _hardClose = new Timer(_ => CloseConnections(), null, s_abortGrace, Timeout.InfiniteTimeSpan);
    }

    private void CloseConnections()
    {
        _call?.Cancel();
        Volatile.Read(ref _incoming)?.CloseConnection();
    }

    /// <summary>
    /// Serves the stream from the left neighbour (the RingLink call routed here by the service), on
    /// the connection's thread: each segment's payload is read straight into a pooled buffer and
    /// posted to the mailbox, where a waiting collective continues at once on this thread.
    /// </summary>
    public RingLinkSummary ServeIncoming(StreamingServerCall call)
    {
        if (Interlocked.Exchange(ref _incomingAttached, 1) == 1)
        {
            throw new RpcException(new Status(StatusCode.AlreadyExists, $"rank {Rank} already has a ring link from rank {Left.Rank} for job {JobId} generation {Generation}"));
        }
        Volatile.Write(ref _incoming, call);
        if (Volatile.Read(ref _fault) is { } early)
        {
            AbortIncoming(early);
        }
        var summary = new RingLinkSummary();
        try
        {
            while (call.ReadMessageStart(out var length))
            {
                Saol.Protos.V1.RingSegment message;
                SegmentPayload? received;
                try
                {
                    (message, received) = RingWire.Read(call, length, Landing);
                }
                catch (InvalidDataException ex)
                {
                    Fault(new CollectiveException($"rank {Rank}: protocol violation from left neighbour {Left}: {ex.Message}") { PeerRank = Left.Rank, PeerAddress = Left.Address });
                    break;
                }
                var payload = received ?? new PooledPayload(0);
                if (message.Abort is { } abort)
                {
                    payload.Dispose();
                    Fault(new CollectiveException($"rank {Rank}: left neighbour {Left} aborted the ring: {abort.Reason}")
                    {
                        PeerRank = abort.HasFailedPeerRank ? abort.FailedPeerRank : Left.Rank,
                        PeerAddress = abort.HasFailedPeerRank ? abort.FailedPeerAddress : Left.Address,
                    });
                    break;
                }
                if (PeerHeaders.FromWire(message) is not { } header || message.JobId != JobId || message.Generation != Generation || message.SenderRank != Left.Rank)
                {
                    payload.Dispose();
                    Fault(new CollectiveException(
                        $"rank {Rank}: protocol violation from left neighbour {Left}: segment of job '{message.JobId}' generation {message.Generation} from rank {message.SenderRank} with phase {message.Phase} and wire dtype {message.WireDtype}")
                    { PeerRank = Left.Rank, PeerAddress = Left.Address });
                    break;
                }
                summary.SegmentsReceived++;
                summary.PayloadBytesReceived += payload.Memory.Length;
                _mailbox.Post(new Links.RingSegment(header, payload));
            }
        }
        catch (RpcException ex) when (Volatile.Read(ref _fault) is null)
        {
            // The stream broke: the left neighbour died, or its call was cancelled.
            Fault(new CollectiveException($"rank {Rank}: the ring link from left neighbour {Left} broke: {Describe(ex)}", ex) { PeerRank = Left.Rank, PeerAddress = Left.Address });
        }
        catch (RpcException)
        {
            // This rank faulted meanwhile and aborted the call (AbortIncoming).
        }
        if (Volatile.Read(ref _fault) is { } fault)
        {
            AbortIncoming(fault);
            throw new RpcException(new Status(StatusCode.Aborted, $"rank {Rank} aborted the ring: {fault.Message}"));
        }
        // The left neighbour completed its stream: what it sent can still be received, nothing more will come.
        _mailbox.Close(new CollectiveException($"rank {Rank}: left neighbour {Left} closed its ring link (job {JobId}, generation {Generation})")
        { PeerRank = Left.Rank, PeerAddress = Left.Address });
        return summary;
    }

    // Where an incoming payload may be written directly: only a segment of this ring whose collective asked for it.
    private LandedPayload? Landing(Saol.Protos.V1.RingSegment message, int size) =>
        message.JobId == JobId && message.Generation == Generation && message.SenderRank == Left.Rank && PeerHeaders.FromWire(message) is { } header
            ? _mailbox.Landing(header, size)
            : null;

    // Ends the incoming call with ABORTED, naming the peer that failed first in the trailers.
    private void AbortIncoming(Exception fault)
    {
        if (Volatile.Read(ref _incoming) is not { } call)
        {
            return;
        }
        var trailers = new Metadata();
        if (fault is CollectiveException { PeerRank: { } peerRank } failed)
        {
            trailers.Add(FailedPeerRankTrailer, peerRank.ToString(CultureInfo.InvariantCulture));
            trailers.Add(FailedPeerAddressTrailer, failed.PeerAddress ?? "");
        }
        call.Abort(new Status(StatusCode.Aborted, $"rank {Rank} aborted the ring: {fault.Message}"), trailers);
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _closing, 1) == 1)
        {
            return;
        }
        _service.Unregister(this);
        _outgoing.Writer.TryComplete();
        if (_call is null)
        {
            // Never connected: no sending thread to wait for.
            _pumped.TrySetResult();
        }
        try
        {
            // Half-close after the last queued segment, then wait for the neighbour's summary.
            await _pumped.Task.WaitAsync(_options.Timeout).ConfigureAwait(false);
            if (_call is not null && Volatile.Read(ref _fault) is null)
            {
                await _call.ResponseAsync.WaitAsync(_options.Timeout).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // A ring broken at shutdown (a dead neighbour's stream fails in whatever way the
            // transport reports it) was reported by the collective that saw it; disposal goes on.
            PeerLog.ClosedBroken(_logger, Rank, JobId, Generation, ex.Message);
        }
        _mailbox.TryFault(new ObjectDisposedException(nameof(GrpcRingLink), $"rank {Rank}'s ring for job {JobId} generation {Generation} was disposed"));
        _call?.Dispose();
        if (Volatile.Read(ref _fault) is not null)
        {
            // A broken ring's connections go now, not at the end of the abort grace.
            _hardClose?.Dispose();
            CloseConnections();
        }
    }

    // The sending thread: writes each queued segment with a blocking write straight from its
    // buffer, then half-closes; after a fault it passes the abort message on instead.
    private void Pump(StreamingClientCall call)
    {
        try
        {
            try
            {
                while (true)
                {
                    if (!_outgoing.Reader.TryRead(out var segment))
                    {
                        if (!_outgoing.Reader.WaitToReadAsync().AsTask().GetAwaiter().GetResult())
                        {
                            break;
                        }
                        continue;
                    }
                    using (segment.Payload)
                    {
                        var payload = segment.Payload.Memory.Span;
                        call.WriteMessage(RingWire.Head(ToWire(segment.Header), payload.Length), payload);
                    }
                }
                if (Volatile.Read(ref _fault) is null)
                {
                    call.CompleteRequest();
                    return;
                }
            }
            catch (Exception ex) when (Volatile.Read(ref _fault) is null)
            {
                Fault(new CollectiveException($"rank {Rank}: sending to right neighbour {Right} failed: {Describe(ex)}", ex) { PeerRank = Right.Rank, PeerAddress = Right.Address });
            }
            catch (Exception ex) when (ex is ChannelClosedException or RpcException or CollectiveException or InvalidOperationException)
            {
                // Faulted (the queue completed with the fault): pass the reason on below.
            }
            SendAbort(call);
        }
        catch (Exception ex)
        {
            // Never an unhandled exception on this thread (it would end the worker process).
            PeerLog.ClosedBroken(_logger, Rank, JobId, Generation, ex.Message);
        }
        finally
        {
            _pumped.TrySetResult();
        }
    }

    private void SendAbort(StreamingClientCall call)
    {
        var fault = Volatile.Read(ref _fault)!;
        var abort = new RingAbort { Reason = fault.Message };
        if (fault is CollectiveException { PeerRank: { } peerRank } failed)
        {
            abort.FailedPeerRank = peerRank;
            abort.FailedPeerAddress = failed.PeerAddress ?? "";
        }
        // Best effort: a dead or stuck neighbour cannot take it, and the cancel below still ends the call.
        using var giveUp = new Timer(_ => call.Cancel(), null, s_abortGrace, Timeout.InfiniteTimeSpan);
        try
        {
            call.WriteMessage(RingWire.Head(new WireSegment { JobId = JobId, Generation = Generation, SenderRank = Rank, Abort = abort }, 0), default);
            call.ResponseAsync.Wait(s_abortGrace);
        }
        catch (Exception ex) when (ex is RpcException or AggregateException or InvalidOperationException)
        {
        }
        finally
        {
            call.Cancel();
        }
    }

    private async Task WatchResponseAsync(StreamingClientCall call)
    {
        try
        {
            await call.ResponseAsync.ConfigureAwait(false);
            if (Volatile.Read(ref _closing) == 0)
            {
                Fault(new CollectiveException($"rank {Rank}: right neighbour {Right} ended the ring link while it was in use") { PeerRank = Right.Rank, PeerAddress = Right.Address });
            }
        }
        catch (Exception ex) when (Volatile.Read(ref _fault) is null)
        {
            // An aborting right neighbour names the peer that failed first in its trailers.
            var trailers = (ex as RpcException)?.Trailers;
            var failedRank = int.TryParse(trailers?.GetValue(FailedPeerRankTrailer), NumberStyles.None, CultureInfo.InvariantCulture, out var r) ? r : (int?)null;
            Fault(new CollectiveException($"rank {Rank}: right neighbour {Right} ended the ring link: {Describe(ex)}", ex)
            {
                PeerRank = failedRank ?? Right.Rank,
                PeerAddress = failedRank is null ? Right.Address : trailers?.GetValue(FailedPeerAddressTrailer),
            });
        }
        catch (Exception ex)
        {
            // This rank faulted first and cancelled the call itself.
            PeerLog.ClosedBroken(_logger, Rank, JobId, Generation, ex.Message);
        }
    }

    private WireSegment ToWire(SegmentHeader header) => new()
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
    };

    private static string Describe(Exception ex) => ex switch
    {
        RpcException rpc => $"{rpc.StatusCode}: {rpc.Status.Detail}",
        TimeoutException => "timed out",
        _ => $"{ex.GetType().Name}: {ex.Message}",
    };
}

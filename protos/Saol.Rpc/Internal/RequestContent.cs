using System.IO.Pipelines;
using System.Net;

namespace Saol.Rpc.Internal;

/// <summary>A request body holding one framed message (unary and server-streaming calls), in a pooled buffer.</summary>
internal sealed class UnaryRequestContent : HttpContent
{
    private readonly PooledBufferWriter _frame;
    private int _activeWrites;
    private int _disposed;

    public UnaryRequestContent(PooledBufferWriter frame)
    {
        _frame = frame;
        Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        Interlocked.Increment(ref _activeWrites);
        try
        {
            await stream.WriteAsync(_frame.WrittenMemory, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            // The pooled buffer goes back only when no write can still be reading it.
            if (Interlocked.Decrement(ref _activeWrites) == 0 && Volatile.Read(ref _disposed) == 1)
            {
                _frame.Dispose();
            }
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = _frame.WrittenCount;
        return true;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing && Interlocked.Exchange(ref _disposed, 1) == 0 && Volatile.Read(ref _activeWrites) == 0)
        {
            _frame.Dispose();
        }
        base.Dispose(disposing);
    }
}

/// <summary>
/// A request body the call writes into while it runs (client-streaming and duplex calls):
/// HttpClient hands over the HTTP/2 stream, the call writes frames to it, and the body ends
/// when the call completes its request stream.
/// </summary>
internal sealed class StreamingRequestContent : HttpContent
{
    private readonly TaskCompletionSource<PipeWriter> _writer = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly TaskCompletionSource _completed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public StreamingRequestContent()
    {
        Headers.TryAddWithoutValidation("content-type", GrpcProtocol.ContentType);
    }

    /// <summary>The body's writer, once HttpClient has opened the stream.</summary>
    public Task<PipeWriter> Writer => _writer.Task;

    /// <summary>Ends the body normally (half-close).</summary>
    public void Complete() => _completed.TrySetResult();

    /// <summary>Ends the body abnormally: HttpClient resets the stream.</summary>
    public void Abort()
    {
        _writer.TrySetCanceled();
        _completed.TrySetCanceled();
    }

    protected override Task SerializeToStreamAsync(Stream stream, TransportContext? context) => SerializeToStreamAsync(stream, context, CancellationToken.None);

    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context, CancellationToken cancellationToken)
    {
        // HttpClient buffers the HEADERS frame of a request with a body until the body's first
        // write; a caller that writes nothing and waits for the answer (a server that refuses the
        // call at once, or answers before reading) would wait forever with the call unseen.
        await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
        var writer = PipeWriter.Create(stream, new StreamPipeWriterOptions(minimumBufferSize: 64 * 1024, leaveOpen: true));
        _writer.TrySetResult(writer);
        await _completed.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        await writer.CompleteAsync().ConfigureAwait(false);
    }

    protected override bool TryComputeLength(out long length)
    {
        length = -1;
        return false;
    }
}

using System.IO.Pipelines;
using System.Net;
using System.Net.Http.Headers;

namespace Saol.Rpc.Internal;

/// <summary>
/// One client call on one HTTP/2 stream. It is the call's state (status, trailers, disposal),
/// its response stream and its request stream at once. Cancellation, the deadline and disposal
/// all go through one token source; cancelling it resets the HTTP/2 stream, which the server
/// sees as its call's cancellation token firing.
/// </summary>
internal sealed class ClientCall<TRequest, TResponse> : IClientCallState, IDisposable, IAsyncStreamReader<TResponse>, IClientStreamWriter<TRequest>
    where TRequest : class
    where TResponse : class
{
    private static readonly Task<bool> s_true = Task.FromResult(true);
    private static readonly Task<bool> s_false = Task.FromResult(false);

    private readonly HttpCallInvoker _invoker;
    private readonly Method<TRequest, TResponse> _method;
    private readonly CallOptions _options;
    private readonly CancellationTokenSource _cts;
    private readonly TaskCompletionSource<Metadata> _headers = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly object _lock = new();
    private DateTime _deadline = DateTime.MaxValue;
    private HttpRequestMessage? _request;
    private Task<HttpResponseMessage>? _send;

    // How long a failed write waits for an answer the server may have sent just before it.
    private static readonly TimeSpan s_earlyAnswerGrace = TimeSpan.FromSeconds(1);
    private HttpResponseMessage? _response;
    private FrameReader? _reader;
    private StreamingRequestContent? _requestContent;
    private FrameWriter? _requestWriter;
    private CancellationTokenRegistration _cancelRegistration;
    private Status? _status;
    private Metadata? _trailers;
    private TResponse? _current;
    private bool _disposed;
    private bool _requestCompleted;
    private int _writing;

    public ClientCall(HttpCallInvoker invoker, Method<TRequest, TResponse> method, CallOptions options)
    {
        _invoker = invoker;
        _method = method;
        _options = options;
        _cts = CancellationTokenSource.CreateLinkedTokenSource(options.CancellationToken);
    }

    public Task<Metadata> ResponseHeadersAsync => _headers.Task;

    public TResponse Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    private RpcChannel Channel => _invoker.Channel;

    public Task<TResponse> StartUnary(TRequest request)
    {
        try
        {
            Send(SerializeSingle(request));
        }
        catch (Exception ex)
        {
            return Task.FromException<TResponse>(Fail(ex));
        }
        return ReadSingleResponseAsync();
    }

    public void StartServerStreaming(TRequest request)
    {
        try
        {
            Send(SerializeSingle(request));
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    public Task<TResponse> StartClientStreaming()
    {
        StartDuplex();
        return ReadSingleResponseAsync();
    }

    public void StartDuplex()
    {
        _requestContent = new StreamingRequestContent();
        try
        {
            Send(_requestContent);
        }
        catch (Exception ex)
        {
            Fail(ex);
        }
    }

    public Status GetStatus() => _status ?? throw new InvalidOperationException("Unable to get the status because the call is not complete.");

    public Metadata GetTrailers() => _trailers ?? throw new InvalidOperationException("Unable to get the trailers because the call is not complete.");

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var next = ReadNextAsync(cancellationToken);
        return next.IsCompletedSuccessfully ? (next.Result ? s_true : s_false) : next.AsTask();
    }

    public Task WriteAsync(TRequest message) => WriteAsync(message, CancellationToken.None);

    public async Task WriteAsync(TRequest message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (_requestCompleted)
        {
            throw new InvalidOperationException("The request stream has already been completed.");
        }
        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            throw new InvalidOperationException("A write is already in progress; await each WriteAsync before the next.");
        }
        try
        {
            using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken) : null;
            var token = linked?.Token ?? _cts.Token;
            var pipe = await RequestPipeAsync(token).ConfigureAwait(false);
            _requestWriter!.Write(_method.RequestMarshaller.ContextualSerializer, message);
            var flushed = await pipe.FlushAsync(token).ConfigureAwait(false);
            if (flushed.IsCompleted || flushed.IsCanceled)
            {
                throw new OperationCanceledException(token);
            }
        }
        catch (Exception ex)
        {
            if (ex is not RpcException && !cancellationToken.IsCancellationRequested)
            {
                await TakeEarlyAnswerAsync().ConfigureAwait(false);
            }
            // A failed write means the call is over: report the call's status, not the transport's symptom.
            throw CallEndedOr(ex, cancellationToken);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    public Task CompleteAsync()
    {
        if (_status is { StatusCode: not StatusCode.OK } status)
        {
            return Task.FromException(new RpcException(status, _trailers ?? Metadata.Empty));
        }
        _requestCompleted = true;
        _requestContent?.Complete();
        return Task.CompletedTask;
    }

    public void Dispose()
    {
        lock (_lock)
        {
            if (_disposed)
            {
                return;
            }
            _disposed = true;
        }
        if (_status is null)
        {
            // Disposing an unfinished call cancels it (Grpc.Core semantics).
            _cts.Cancel();
            SetStatus(new Status(StatusCode.Cancelled, "gRPC call disposed."), Metadata.Empty);
        }
        Cleanup();
    }

    private PooledBufferWriter SerializeSingle(TRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var buffer = new PooledBufferWriter(1024);
        try
        {
            using var writer = new FrameWriter(buffer, Channel.Options.MaxSendMessageSize);
            writer.Write(_method.RequestMarshaller.ContextualSerializer, request);
            return buffer;
        }
        catch
        {
            buffer.Dispose();
            throw;
        }
    }

    private void Send(PooledBufferWriter frame) => Send(new UnaryRequestContent(frame));

    private void Send(HttpContent content)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, _invoker.UriOf(_method))
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionExact,
            Content = content,
        };
        _request = request;
        var headers = request.Headers;
        headers.TE.Add(new TransferCodingWithQualityHeaderValue("trailers"));
        headers.TryAddWithoutValidation("user-agent", GrpcProtocol.UserAgent);
        if (Channel.Options.BearerToken is { } token)
        {
            headers.TryAddWithoutValidation(GrpcProtocol.AuthorizationHeader, "Bearer " + token);
        }
        if (_options.Headers is { } metadata)
        {
            foreach (var entry in metadata)
            {
                if (!GrpcProtocol.IsReservedHeader(entry.Key))
                {
                    headers.TryAddWithoutValidation(entry.Key, GrpcProtocol.EncodeHeaderValue(entry));
                }
            }
        }
        if (_options.Deadline is { } deadline && deadline != DateTime.MaxValue)
        {
            _deadline = deadline.ToUniversalTime();
            var remaining = _deadline - DateTime.UtcNow;
            if (remaining <= TimeSpan.Zero)
            {
                throw new RpcException(new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded"));
            }
            headers.TryAddWithoutValidation(GrpcProtocol.TimeoutHeader, GrpcProtocol.FormatTimeout(remaining));
            if (remaining <= GrpcProtocol.MaxTimerDelay)
            {
                _cts.CancelAfter(remaining);
            }
        }
        _cancelRegistration = _cts.Token.UnsafeRegister(static state => ((ClientCall<TRequest, TResponse>)state!).OnCancelled(), this);
        _send = Channel.Http.SendAsync(request, _cts.Token);
    }

    private async Task<TResponse> ReadSingleResponseAsync()
    {
        var response = await ReadNextAsync(CancellationToken.None).ConfigureAwait(false)
            ? _current!
            : throw Fail(new RpcException(new Status(StatusCode.Internal, "Failed to deserialize response message: the server ended the call without a response.")));
        if (await ReadNextAsync(CancellationToken.None).ConfigureAwait(false))
        {
            throw Fail(new RpcException(new Status(StatusCode.Internal, "The server sent more than one response message to a call expecting one.")));
        }
        return response;
    }

    private async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken)
    {
        if (_status is { } finished)
        {
            _current = null;
            return finished.StatusCode == StatusCode.OK ? false : throw new RpcException(finished, _trailers ?? Metadata.Empty);
        }
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_cts.Token, cancellationToken) : null;
        var token = linked?.Token ?? _cts.Token;
        try
        {
            var reader = _reader ?? await OpenResponseAsync(token).ConfigureAwait(false);
            if (reader is not null)
            {
                _current = await reader.ReadAsync(_method.ResponseMarshaller.ContextualDeserializer, token).ConfigureAwait(false);
                if (_current is not null)
                {
                    return true;
                }
                ReadStatus(_response!.TrailingHeaders, "trailers");
            }
        }
        catch (Exception ex) when (ex is not RpcException || _status is null)
        {
            throw Fail(ex, operationToken: cancellationToken);
        }
        var status = _status!.Value;
        Cleanup();
        return status.StatusCode == StatusCode.OK ? false : throw new RpcException(status, _trailers!);
    }

    /// <summary>Awaits the response headers; null when the response was trailers-only (the status is then set).</summary>
    private async Task<FrameReader?> OpenResponseAsync(CancellationToken cancellationToken)
    {
        var response = await _send!.WaitAsync(cancellationToken).ConfigureAwait(false);
        _response = response;
        if (response.StatusCode != HttpStatusCode.OK)
        {
            var code = GrpcProtocol.FromHttpStatus(response.StatusCode);
            var detail = GrpcProtocol.PercentDecode(HeaderValue(response.Headers, GrpcProtocol.MessageHeader));
            throw new RpcException(new Status(code, $"Bad gRPC response. HTTP status code: {(int)response.StatusCode}." + (detail.Length > 0 ? " " + detail : "")));
        }
        var contentType = response.Content.Headers.ContentType?.ToString();
        var headerMetadata = ToMetadata(response.Headers);
        if (HeaderValue(response.Headers, GrpcProtocol.StatusHeader) is not null)
        {
            _headers.TrySetResult(headerMetadata);
            ReadStatus(response.Headers, "headers");
            return null;
        }
        if (!GrpcProtocol.IsGrpcContentType(contentType))
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Bad gRPC response. Invalid content-type value: '{contentType}'."));
        }
        _headers.TrySetResult(headerMetadata);
        var stream = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        var pipe = PipeReader.Create(stream, new StreamPipeReaderOptions(bufferSize: 64 * 1024, minimumReadSize: 4 * 1024, leaveOpen: true));
        _reader = new FrameReader(pipe, Channel.Options.MaxReceiveMessageSize, HeaderValue(response.Headers, GrpcProtocol.EncodingHeader));
        return _reader;
    }

    private async Task<PipeWriter> RequestPipeAsync(CancellationToken cancellationToken)
    {
        if (_status is { } finished)
        {
            throw new RpcException(finished, _trailers ?? Metadata.Empty);
        }
        var pipe = await _requestContent!.Writer.WaitAsync(cancellationToken).ConfigureAwait(false);
        _requestWriter ??= new FrameWriter(pipe, Channel.Options.MaxSendMessageSize);
        return pipe;
    }

    private void ReadStatus(HttpHeaders headers, string where)
    {
        var trailers = ToMetadata(headers);
        var code = GrpcProtocol.ParseStatusCode(HeaderValue(headers, GrpcProtocol.StatusHeader));
        var status = code is { } c
            ? new Status(c, GrpcProtocol.PercentDecode(HeaderValue(headers, GrpcProtocol.MessageHeader)))
            : new Status(StatusCode.Internal, $"The response {where} carried no valid grpc-status.");
        SetStatus(status, trailers);
    }

    private void SetStatus(Status status, Metadata trailers)
    {
        lock (_lock)
        {
            if (_status is not null)
            {
                return;
            }
            _trailers = trailers.Freeze();
            _status = status;
        }
        if (status.StatusCode != StatusCode.OK)
        {
            RpcLog.ClientCallFailed(Channel.Logger, _method.FullName, Channel.Target, status.StatusCode, status.Detail);
            if (_headers.TrySetException(new RpcException(status, trailers)))
            {
                _ = _headers.Task.Exception; // observed: callers need not await the headers of a failed call
            }
        }
        else
        {
            _headers.TrySetResult(Metadata.Empty);
        }
    }

    /// <summary>
    /// Turns any failure into the call's final status and the exception to throw.
    /// <paramref name="operationToken"/> is the token of the read or write that failed.
    /// </summary>
    private RpcException Fail(Exception ex, string operation = "Reading the response stream", CancellationToken operationToken = default)
    {
        var status = ex switch
        {
            RpcException rpc => rpc.Status,
            _ when operationToken.IsCancellationRequested && !_cts.IsCancellationRequested => new Status(StatusCode.Cancelled, operation + " was cancelled.", ex),
            _ when _options.CancellationToken.IsCancellationRequested => new Status(StatusCode.Cancelled, "Call canceled by the client.", ex),
            _ when _disposed => new Status(StatusCode.Cancelled, "gRPC call disposed.", ex),
            _ when _cts.IsCancellationRequested && DateTime.UtcNow >= _deadline.AddMilliseconds(-50) => new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded", ex),
            _ => FromTransportFailure(ex, _cts.IsCancellationRequested),
        };
        var trailers = ex is RpcException { Trailers: var t } ? t : Metadata.Empty;
        SetStatus(status, trailers);
        var final = _status!.Value;
        _cts.Cancel();
        Cleanup();
        return ex is RpcException same && same.Status == final ? same : new RpcException(final, _trailers!);
    }

    // Usage errors are thrown before a write starts; anything a write throws (HttpClient's
    // ObjectDisposedException for a request stream it closed after the connection broke is an
    // InvalidOperationException too) is the call ending.
    /// <summary>
    /// A server that answers a streaming call early (trailers-only, then RST_STREAM NO_ERROR) can make
    /// the client's write fail before anyone read that answer: take the status from it if it came.
    /// </summary>
    private async Task TakeEarlyAnswerAsync()
    {
        if (_status is not null || _send is not { } send)
        {
            return;
        }
        await ((Task)send).WaitAsync(s_earlyAnswerGrace).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        if (send.IsCompletedSuccessfully && send.Result.StatusCode == HttpStatusCode.OK && HeaderValue(send.Result.Headers, GrpcProtocol.StatusHeader) is not null)
        {
            ReadStatus(send.Result.Headers, "headers");
        }
    }

    private RpcException CallEndedOr(Exception ex, CancellationToken writeToken) => ex switch
    {
        RpcException rpc => Fail(rpc, operationToken: writeToken),
        _ when _status is { } status => new RpcException(status, _trailers ?? Metadata.Empty),
        _ => Fail(ex, "Writing the request stream", writeToken),
    };

    /// <summary>A failure nobody on this side asked for: the connection, stream or server broke.</summary>
    private static Status FromTransportFailure(Exception ex, bool callCancelled)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            if (e is HttpProtocolException protocol)
            {
                return new Status(GrpcProtocol.FromHttp2ErrorCode(protocol.ErrorCode), $"The HTTP/2 stream was reset by the server (error code {protocol.ErrorCode}): {protocol.Message}", ex);
            }
        }
        return ex switch
        {
            HttpRequestException or IOException => new Status(StatusCode.Unavailable, "Error connecting to the server or reading its response: " + ex.Message, ex),
            OperationCanceledException when callCancelled => new Status(StatusCode.Cancelled, "The call was cancelled.", ex),
            // HttpClient cancels and disposes a request stream whose connection broke (the peer
            // died or reset it): to the caller that is the server becoming unreachable.
            OperationCanceledException or ObjectDisposedException => new Status(StatusCode.Unavailable, "The connection to the server was lost: " + ex.Message, ex),
            _ => new Status(StatusCode.Internal, "Error running the call: " + ex.Message, ex),
        };
    }

    private void OnCancelled()
    {
        // Resetting the stream is what tells the server; aborting the body unblocks HttpClient's send.
        _requestContent?.Abort();
        _response?.Dispose();
    }

    private void Cleanup()
    {
        _cancelRegistration.Dispose();
        if (!_cts.IsCancellationRequested)
        {
            _cts.CancelAfter(Timeout.InfiniteTimeSpan); // stops the deadline timer of a finished call
        }
        _requestContent?.Abort();
        _requestWriter?.Dispose();
        _response?.Dispose();
        _request?.Dispose();
    }

    private static string? HeaderValue(HttpHeaders headers, string name) =>
        headers.NonValidated.TryGetValues(name, out var values) ? values.ToString() : null;

    private static Metadata ToMetadata(HttpHeaders headers)
    {
        var metadata = new Metadata();
        foreach (var (name, values) in headers.NonValidated)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                GrpcProtocol.AddReceivedHeader(metadata, name, value);
            }
        }
        return metadata;
    }
}

using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Server.Kestrel.Core.Features;

namespace Saol.Rpc.Internal;

/// <summary>
/// One server call on one HTTP/2 stream. It is the handler's <see cref="ServerCallContext"/>,
/// its request stream and its response stream at once (one object per call).
/// </summary>
internal sealed class HttpServerCallContext<TRequest, TResponse> : ServerCallContext, IAsyncStreamReader<TRequest>, IServerStreamWriter<TResponse>, IDisposable
    where TRequest : class
    where TResponse : class
{
    private static readonly Task<bool> s_true = Task.FromResult(true);
    private static readonly Task<bool> s_false = Task.FromResult(false);

    private readonly HttpContext _http;
    private readonly Method<TRequest, TResponse> _method;
    private readonly ServerRuntime _runtime;
    private readonly FrameReader _reader;
    private readonly FrameWriter _writer;
    private CancellationTokenSource? _callCts;
    private CancellationTokenSource? _deadlineCts;
    private CancellationToken _token;
    private bool _clientGone;
    private DateTime _deadline = DateTime.MaxValue;
    private Metadata? _requestHeaders;
    private Metadata? _responseTrailers;
    private Dictionary<object, object>? _userState;
    private Status _status = Status.DefaultSuccess;
    private TRequest? _current;
    private int _writing;

    public HttpServerCallContext(HttpContext http, Method<TRequest, TResponse> method, ServerRuntime runtime)
    {
        _http = http;
        _method = method;
        _runtime = runtime;
        _token = http.RequestAborted;
        _reader = new FrameReader(http.Request.BodyReader, runtime.Options.MaxReceiveMessageSize, http.Request.Headers[GrpcProtocol.EncodingHeader]);
        _writer = new FrameWriter(http.Response.BodyWriter, runtime.Options.MaxSendMessageSize);
    }

    public TRequest Current => _current ?? throw new InvalidOperationException("MoveNext has not returned true.");

    protected override string MethodCore => _method.FullName;

    protected override string HostCore => _http.Request.Host.Value ?? "";

    protected override string PeerCore => GrpcProtocol.FormatPeer(_http.Connection.RemoteIpAddress, _http.Connection.RemotePort);

    protected override DateTime DeadlineCore => _deadline;

    protected override Metadata RequestHeadersCore => _requestHeaders ??= ReadRequestHeaders();

    protected override CancellationToken CancellationTokenCore => _token;

    protected override Metadata ResponseTrailersCore => _responseTrailers ??= [];

    protected override Status StatusCore
    {
        get => _status;
        set => _status = value;
    }

    protected override IDictionary<object, object> UserStateCore => _userState ??= [];

    private bool ClientGone => _clientGone || _http.RequestAborted.IsCancellationRequested;

    private bool DeadlineExpired => _deadlineCts is { IsCancellationRequested: true } && !ClientGone;

    /// <summary>Sets up the deadline and lifts Kestrel's HTTP/1-minded body limits (gRPC streams are long and may idle).</summary>
    public void Start()
    {
        if (_http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } maxBody)
        {
            maxBody.MaxRequestBodySize = null;
        }
        if (_http.Features.Get<IHttpMinRequestBodyDataRateFeature>() is { } minRate)
        {
            minRate.MinDataRate = null;
        }
        _http.Response.ContentType = GrpcProtocol.ContentType;

        // The call owns its token source (rather than using RequestAborted directly) so it can fire
        // the token itself the moment it sees the client gone; Kestrel signals RequestAborted later,
        // from the thread pool, possibly after the handler has already returned.
        string? timeout = _http.Request.Headers[GrpcProtocol.TimeoutHeader];
        if (timeout is null)
        {
            _callCts = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
        }
        else if (GrpcProtocol.TryParseTimeout(timeout, out var span))
        {
            _deadline = span >= DateTime.MaxValue - DateTime.UtcNow ? DateTime.MaxValue : DateTime.UtcNow + span;
            if (span <= GrpcProtocol.MaxTimerDelay)
            {
                _deadlineCts = new CancellationTokenSource(span);
                _callCts = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted, _deadlineCts.Token);
            }
            else
            {
                _callCts = CancellationTokenSource.CreateLinkedTokenSource(_http.RequestAborted);
            }
        }
        else
        {
            throw new RpcException(new Status(StatusCode.Internal, $"Malformed grpc-timeout header '{timeout}'."));
        }
        _token = _callCts.Token;
    }

    /// <summary>The one request of a unary or server-streaming call; exactly one message must arrive.</summary>
    public async ValueTask<TRequest> ReadSingleRequestAsync()
    {
        var request = await ReadRequestAsync(_token).ConfigureAwait(false)
            ?? throw new RpcException(new Status(StatusCode.Internal, "The request stream ended without a message."));
        if (await ReadRequestAsync(_token).ConfigureAwait(false) is not null)
        {
            throw new RpcException(new Status(StatusCode.Internal, $"More than one request message for {_method.Type} method {_method.FullName}."));
        }
        return request;
    }

    public Task<bool> MoveNext(CancellationToken cancellationToken)
    {
        var read = ReadNextAsync(cancellationToken);
        return read.IsCompletedSuccessfully ? (read.Result ? s_true : s_false) : read.AsTask();
    }

    public Task WriteAsync(TResponse message) => WriteAsync(message, CancellationToken.None);

    public Task WriteAsync(TResponse message, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(message);
        if (Interlocked.Exchange(ref _writing, 1) != 0)
        {
            throw new InvalidOperationException("A write is already in progress; await each WriteAsync before the next.");
        }
        try
        {
            _writer.Write(_method.ResponseMarshaller.ContextualSerializer, message);
        }
        catch
        {
            Volatile.Write(ref _writing, 0);
            throw;
        }
        var flush = FlushAsync(cancellationToken);
        if (flush.IsCompletedSuccessfully)
        {
            Volatile.Write(ref _writing, 0);
            return Task.CompletedTask;
        }
        return AwaitFlushAsync(flush);
    }

    /// <summary>Ends the call: sends the status (in trailers, or trailers-only when nothing was sent) unless the client has gone.</summary>
    public async Task EndAsync(Exception? failure)
    {
        var status = failure is null ? _status : StatusFromException(failure);
        if (ClientGone)
        {
            RpcLog.CallCancelledByClient(_runtime.Logger, _method.FullName);
            return;
        }
        var trailers = failure is RpcException { Trailers.Count: > 0 } rpc ? rpc.Trailers : null;
        var response = _http.Response;
        if (!response.HasStarted)
        {
            // Trailers-only response: the status travels in the one HEADERS frame that ends the stream.
            response.StatusCode = StatusCodes.Status200OK;
            WriteStatus(response.Headers, status, trailers);
        }
        else
        {
            var trailerFeature = _http.Features.Get<IHttpResponseTrailersFeature>()
                ?? throw new InvalidOperationException("The HTTP server does not support response trailers.");
            WriteStatus(trailerFeature.Trailers, status, trailers);
        }
        RpcLog.CallFinished(_runtime.Logger, _method.FullName, status.StatusCode);
        await response.BodyWriter.CompleteAsync().ConfigureAwait(false);
    }

    public void Dispose()
    {
        _callCts?.Dispose();
        _deadlineCts?.Dispose();
        _writer.Dispose();
    }

    protected override async Task WriteResponseHeadersAsyncCore(Metadata responseHeaders)
    {
        ArgumentNullException.ThrowIfNull(responseHeaders);
        if (_http.Response.HasStarted)
        {
            throw new InvalidOperationException("Response headers have already been sent.");
        }
        foreach (var entry in responseHeaders)
        {
            _http.Response.Headers.Append(entry.Key, GrpcProtocol.EncodeHeaderValue(entry));
        }
        await _http.Response.StartAsync(_token).ConfigureAwait(false);
        await FlushAsync(_token).ConfigureAwait(false);
    }

    private async ValueTask<bool> ReadNextAsync(CancellationToken cancellationToken)
    {
        using var linked = cancellationToken.CanBeCanceled ? CancellationTokenSource.CreateLinkedTokenSource(_token, cancellationToken) : null;
        _current = await ReadRequestAsync(linked?.Token ?? _token).ConfigureAwait(false);
        return _current is not null;
    }

    private async ValueTask<TRequest?> ReadRequestAsync(CancellationToken cancellationToken)
    {
        try
        {
            return await _reader.ReadAsync(_method.RequestMarshaller.ContextualDeserializer, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not RpcException and not OperationCanceledException)
        {
            // Kestrel fails a body read with an I/O error when the client resets the stream.
            throw ClientWentAway("The client reset the call while its request was being read.", ex);
        }
    }

    private OperationCanceledException ClientWentAway(string message, Exception? inner = null)
    {
        _clientGone = true;
        _callCts?.Cancel();
        return new OperationCanceledException(message, inner, _token);
    }

    private async Task AwaitFlushAsync(ValueTask flush)
    {
        try
        {
            await flush.ConfigureAwait(false);
        }
        finally
        {
            Volatile.Write(ref _writing, 0);
        }
    }

    private ValueTask FlushAsync(CancellationToken cancellationToken)
    {
        var token = cancellationToken.CanBeCanceled ? cancellationToken : _token;
        var flush = _http.Response.BodyWriter.FlushAsync(token);
        if (flush.IsCompletedSuccessfully)
        {
            return CheckFlush(flush.Result);
        }
        return AwaitFlushResult(flush);

        async ValueTask AwaitFlushResult(ValueTask<System.IO.Pipelines.FlushResult> pending) => await CheckFlush(await pending.ConfigureAwait(false)).ConfigureAwait(false);
    }

    private ValueTask CheckFlush(System.IO.Pipelines.FlushResult result)
    {
        if (result.IsCanceled || result.IsCompleted)
        {
            _token.ThrowIfCancellationRequested();
            throw ClientWentAway("The client is no longer reading the response.");
        }
        return ValueTask.CompletedTask;
    }

    private Status StatusFromException(Exception failure)
    {
        switch (failure)
        {
            case RpcException rpc:
                if (rpc.StatusCode is StatusCode.Internal or StatusCode.ResourceExhausted or StatusCode.Unimplemented)
                {
                    RpcLog.CallRefused(_runtime.Logger, _method.FullName, rpc.StatusCode, rpc.Status.Detail);
                }
                return rpc.Status;
            case OperationCanceledException when DeadlineExpired:
                RpcLog.DeadlineExceeded(_runtime.Logger, _method.FullName);
                return new Status(StatusCode.DeadlineExceeded, "Deadline Exceeded");
            case OperationCanceledException when ClientGone:
                return Status.DefaultCancelled;
            default:
                RpcLog.HandlerFailed(_runtime.Logger, _method.FullName, failure);
                return new Status(StatusCode.Unknown, _runtime.Options.EnableDetailedErrors
                    ? $"Exception was thrown by handler. {failure.GetType().Name}: {failure.Message}"
                    : "Exception was thrown by handler.", failure);
        }
    }

    private void WriteStatus(IHeaderDictionary target, Status status, Metadata? extraTrailers)
    {
        target[GrpcProtocol.StatusHeader] = ((int)status.StatusCode).ToString(CultureInfo.InvariantCulture);
        if (status.Detail.Length > 0)
        {
            target[GrpcProtocol.MessageHeader] = GrpcProtocol.PercentEncode(status.Detail);
        }
        AppendMetadata(target, _responseTrailers);
        AppendMetadata(target, extraTrailers);
    }

    private static void AppendMetadata(IHeaderDictionary target, Metadata? metadata)
    {
        if (metadata is null)
        {
            return;
        }
        foreach (var entry in metadata)
        {
            if (!GrpcProtocol.IsReservedHeader(entry.Key))
            {
                target.Append(entry.Key, GrpcProtocol.EncodeHeaderValue(entry));
            }
        }
    }

    private Metadata ReadRequestHeaders()
    {
        var metadata = new Metadata();
        foreach (var (name, values) in _http.Request.Headers)
        {
            if (GrpcProtocol.IsReservedHeader(name))
            {
                continue;
            }
            foreach (var value in values)
            {
                if (value is not null)
                {
                    GrpcProtocol.AddReceivedHeader(metadata, name, value);
                }
            }
        }
        return metadata;
    }
}

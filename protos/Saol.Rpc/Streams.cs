namespace Saol.Rpc;

/// <summary>Reads a stream of messages (as <c>Grpc.Core.IAsyncStreamReader</c>).</summary>
public interface IAsyncStreamReader<out T>
{
    /// <summary>The message the last successful <see cref="MoveNext"/> produced.</summary>
    T Current { get; }

    /// <summary>Advances to the next message; false at the end of the stream. Throws <see cref="RpcException"/> when the call failed.</summary>
    Task<bool> MoveNext(CancellationToken cancellationToken);
}

/// <summary>Writes a stream of messages (as <c>Grpc.Core.IAsyncStreamWriter</c>). One write at a time.</summary>
public interface IAsyncStreamWriter<in T>
{
    /// <summary>Writes one message; completes when the transport has taken it (flow control applies).</summary>
    Task WriteAsync(T message);

    /// <summary>Writes one message, observing <paramref name="cancellationToken"/>.</summary>
    Task WriteAsync(T message, CancellationToken cancellationToken);
}

/// <summary>The server's response stream (as <c>Grpc.Core.IServerStreamWriter</c>).</summary>
public interface IServerStreamWriter<in T> : IAsyncStreamWriter<T>
{
}

/// <summary>The client's request stream (as <c>Grpc.Core.IClientStreamWriter</c>).</summary>
public interface IClientStreamWriter<in T> : IAsyncStreamWriter<T>
{
    /// <summary>Ends the request stream (half-close).</summary>
    Task CompleteAsync();
}

/// <summary>Consumes a stream reader as an <see cref="IAsyncEnumerable{T}"/> (as grpc-dotnet's <c>ReadAllAsync</c>).</summary>
public static class AsyncStreamReaderExtensions
{
    /// <summary>Every remaining message of <paramref name="reader"/>.</summary>
    public static async IAsyncEnumerable<T> ReadAllAsync<T>(this IAsyncStreamReader<T> reader, [System.Runtime.CompilerServices.EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reader);
        while (await reader.MoveNext(cancellationToken).ConfigureAwait(false))
        {
            yield return reader.Current;
        }
    }
}

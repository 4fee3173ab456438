using System.Runtime.CompilerServices;
using System.Runtime.ExceptionServices;
using System.Threading.Channels;

namespace Saol.Data.ImageFolder;

/// <summary>
/// Reads batches of an <see cref="IImageDataset"/> with at most <see cref="Threads"/> images decoding
/// at once, and can read ahead: <see cref="PrefetchAsync"/> keeps at most <see cref="Depth"/> finished
/// batches waiting, so memory stays bounded (Depth + 2 batches: waiting, being read, being consumed)
/// however slow the consumer is. Images of an <see cref="IAugmentedImageDataset"/> are read with the
/// epoch of their request, so reading ahead across an epoch boundary is exact.
/// </summary>
public sealed class ImageBatchLoader
{
    private readonly IImageDataset _dataset;

    /// <summary>Creates a loader over <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The images.</param>
    /// <param name="threads">Images decoded in parallel, at least 1. Defaults to the processor count.</param>
    /// <param name="depth">Finished batches <see cref="PrefetchAsync"/> keeps ahead of the consumer, at least 1. Defaults to 2.</param>
    public ImageBatchLoader(IImageDataset dataset, int threads = 0, int depth = 2)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        ArgumentOutOfRangeException.ThrowIfNegative(threads);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(depth);
        _dataset = dataset;
        Threads = threads == 0 ? Environment.ProcessorCount : threads;
        Depth = depth;
    }

    /// <summary>The most images decoded at once.</summary>
    public int Threads { get; }

    /// <summary>The most finished batches waiting for the consumer.</summary>
    public int Depth { get; }

    /// <summary>Reads one batch now, its images in parallel. Exceptions are the dataset's own (the first one, unwrapped).</summary>
    public ImageBatch Load(ReadOnlySpan<int> indices, int epoch = 0, CancellationToken cancellationToken = default)
    {
        var batch = new ImageBatch(epoch, indices.ToArray(), _dataset.Channels, _dataset.Height, _dataset.Width);
        var size = _dataset.Channels * _dataset.Height * _dataset.Width;
        var augmented = _dataset as IAugmentedImageDataset;
        var ids = (int[])batch.Indices;
        try
        {
            Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = Threads, CancellationToken = cancellationToken }, i =>
            {
                var destination = batch.Pixels.AsSpan(i * size, size);
                if (augmented is not null)
                {
                    augmented.ReadImage(ids[i], epoch, destination);
                }
                else
                {
                    _dataset.ReadImage(ids[i], destination);
                }
                batch.Labels[i] = _dataset.Label(ids[i]);
            });
        }
        catch (AggregateException e) when (e.InnerExceptions.Count > 0)
        {
            ExceptionDispatchInfo.Capture(e.InnerExceptions[0]).Throw();
            throw;
        }
        return batch;
    }

    /// <summary>
    /// Reads the requested batches in order on a background task, up to <see cref="Depth"/> ahead of
    /// the consumer. The first failure is rethrown to the consumer at the batch where it happened;
    /// leaving the loop early stops the reading.
    /// </summary>
    /// <param name="requests">(epoch, indices) of each batch, enumerated lazily by the reader.</param>
    /// <param name="cancellationToken">Stops reading and waiting.</param>
    public async IAsyncEnumerable<ImageBatch> PrefetchAsync(IEnumerable<(int Epoch, int[] Indices)> requests, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(requests);
        var channel = Channel.CreateBounded<ImageBatch>(new BoundedChannelOptions(Depth) { SingleReader = true, SingleWriter = true, FullMode = BoundedChannelFullMode.Wait });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reader = Task.Run(
            async () =>
            {
                try
                {
                    foreach (var (epoch, indices) in requests)
                    {
                        var batch = Load(indices, epoch, stop.Token);
                        await channel.Writer.WriteAsync(batch, stop.Token).ConfigureAwait(false);
                    }
                    channel.Writer.Complete();
                }
                catch (Exception e)
                {
                    channel.Writer.Complete(e);
                }
            },
            CancellationToken.None);
        try
        {
            while (await channel.Reader.WaitToReadAsync(cancellationToken).ConfigureAwait(false))
            {
                while (channel.Reader.TryRead(out var batch))
                {
                    yield return batch;
                }
            }
        }
        finally
        {
            await stop.CancelAsync().ConfigureAwait(false);
            await reader.ConfigureAwait(false);
        }
    }
}

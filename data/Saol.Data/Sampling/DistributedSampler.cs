namespace Saol.Data.Sampling;

/// <summary>
/// The data order of one rank, with torch.utils.data.DistributedSampler semantics: each epoch is a
/// permutation of the data set drawn from (job seed, epoch), padded by wrapping around to a multiple
/// of the world size; rank r takes positions r, r + W, r + 2W, … of it. Because consecutive global
/// positions are dealt round-robin, the union over ranks of batch t is the same set of images for any
/// world size — W workers × batch b see exactly what 1 worker × batch W·b sees.
/// </summary>
public sealed class DistributedSampler
{
    /// <summary>Creates the sampler of <paramref name="rank"/> among <paramref name="worldSize"/> ranks.</summary>
    public DistributedSampler(int datasetSize, int worldSize, int rank, long seed, bool shuffle = true)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(datasetSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(worldSize);
        if (rank < 0 || rank >= worldSize)
        {
            throw new ArgumentOutOfRangeException(nameof(rank), rank, $"rank must be in [0, {worldSize})");
        }
        DatasetSize = datasetSize;
        WorldSize = worldSize;
        Rank = rank;
        Seed = seed;
        Shuffle = shuffle;
    }

    /// <summary>Images in the data set.</summary>
    public int DatasetSize { get; }

    /// <summary>Ranks sharing the data set.</summary>
    public int WorldSize { get; }

    /// <summary>This sampler's rank.</summary>
    public int Rank { get; }

    /// <summary>The job seed.</summary>
    public long Seed { get; }

    /// <summary>False keeps the data set order (evaluation).</summary>
    public bool Shuffle { get; }

    /// <summary>Indices each rank receives per epoch: ceil(N / W).</summary>
    public int SamplesPerRank => (DatasetSize + WorldSize - 1) / WorldSize;

    /// <summary>
    /// Optimiser steps per epoch: floor(N / B). The last partial global batch is dropped, so every step has
    /// the full global batch and the count does not depend on the world size (nor do the images of a step).
    /// </summary>
    public static int StepsPerEpoch(int datasetSize, int globalBatch)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(globalBatch);
        var steps = datasetSize / globalBatch;
        return steps > 0 ? steps : throw new ArgumentOutOfRangeException(nameof(globalBatch), globalBatch, $"the global batch {globalBatch} is larger than the data set ({datasetSize} images)");
    }

    /// <summary>The permutation of epoch <paramref name="epoch"/> (identical on every rank).</summary>
    public int[] Permutation(int epoch)
    {
        var order = new int[DatasetSize];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }
        if (Shuffle)
        {
            var random = new SplitMix64(SplitMix64.Mix(Seed, epoch));
            for (var i = order.Length - 1; i > 0; i--)
            {
                var j = random.NextInt(i + 1);
                (order[i], order[j]) = (order[j], order[i]);
            }
        }
        return order;
    }

    /// <summary>This rank's indices of epoch <paramref name="epoch"/>, from its <paramref name="offset"/>-th sample on (resuming mid-epoch).</summary>
    public int[] Indices(int epoch, int offset = 0)
    {
        if (offset < 0 || offset > SamplesPerRank)
        {
            throw new ArgumentOutOfRangeException(nameof(offset), offset, $"offset must be in [0, {SamplesPerRank}]");
        }
        var permutation = Permutation(epoch);
        var result = new int[SamplesPerRank - offset];
        for (var k = 0; k < result.Length; k++)
        {
            // Positions past the end wrap to the start, as DistributedSampler pads.
            var position = ((offset + k) * WorldSize) + Rank;
            result[k] = permutation[position % DatasetSize];
        }
        return result;
    }
}

namespace Saol.Models.Augmentation;

/// <summary>
/// One CutMix draw for a batch: rows <see cref="Top"/>..<see cref="Bottom"/>−1 and columns
/// <see cref="Left"/>..<see cref="Right"/>−1 of every image are replaced by the same region of
/// image <c>Permutation[i]</c>; the mixed target is λ·y_i + (1−λ)·y_Permutation[i].
/// </summary>
public sealed record CutMixBox(int Top, int Bottom, int Left, int Right, int Height, int Width, double Lambda, IReadOnlyList<int> Permutation)
{
    /// <summary>The pasted area in pixels (may be 0 when the clipped box is empty).</summary>
    public int Area => (Bottom - Top) * (Right - Left);

    /// <summary>Builds a box and recomputes λ from its clipped area, as CutMix-PyTorch does.</summary>
    public static CutMixBox FromRegion(int top, int bottom, int left, int right, int height, int width, IReadOnlyList<int> permutation)
    {
        ArgumentNullException.ThrowIfNull(permutation);
        if (top < 0 || left < 0 || bottom > height || right > width || top > bottom || left > right)
        {
            throw new ArgumentOutOfRangeException(nameof(top), $"box rows {top}..{bottom}, columns {left}..{right} do not fit a {height}x{width} image");
        }
        if (permutation.Count == 0 || !permutation.Order().SequenceEqual(Enumerable.Range(0, permutation.Count)))
        {
            throw new ArgumentException("the partner indices must be a permutation of 0..batch-1", nameof(permutation));
        }
        var lambda = 1.0 - ((double)(bottom - top) * (right - left) / ((double)height * width));
        return new CutMixBox(top, bottom, left, right, height, width, lambda, permutation);
    }
}

namespace Saol.Models.Evaluation;

/// <summary>An axis-aligned box in pixels: columns <see cref="Left"/>..<see cref="Right"/>−1, rows <see cref="Top"/>..<see cref="Bottom"/>−1.</summary>
public readonly record struct BoundingBox(int Left, int Top, int Right, int Bottom)
{
    /// <summary>The area in pixels (0 for an empty box).</summary>
    public long Area => Math.Max(0L, Right - Left) * Math.Max(0L, Bottom - Top);

    /// <summary>Intersection over union with <paramref name="other"/> (0 when both are empty).</summary>
    public double IoU(BoundingBox other)
    {
        var iw = Math.Max(0L, Math.Min(Right, other.Right) - (long)Math.Max(Left, other.Left));
        var ih = Math.Max(0L, Math.Min(Bottom, other.Bottom) - (long)Math.Max(Top, other.Top));
        var intersection = iw * ih;
        var union = Area + other.Area - intersection;
        return union == 0 ? 0 : (double)intersection / union;
    }
}

namespace Saol.Models.Evaluation;

/// <summary>
/// Weakly supervised object localisation from a score map (A, or A ⊙ Y_k for class k): the map is
/// min-max normalised, up-sampled bilinearly to the image size (half-pixel centres, as
/// <c>F.interpolate(align_corners=False)</c>), thresholded, and the bounding box of the largest
/// 8-connected component above the threshold is the prediction. A prediction counts as correct
/// when its IoU with the true box is at least 0.5 and the class is right.
/// </summary>
public static class Wsol
{
    /// <summary>The IoU a box needs to count as a correct localisation.</summary>
    public const double IoUThreshold = 0.5;

    /// <summary>Localises from a row-major <paramref name="mapHeight"/>×<paramref name="mapWidth"/> score map.</summary>
    /// <param name="map">The scores.</param>
    /// <param name="mapHeight">Rows of the score map.</param>
    /// <param name="mapWidth">Columns of the score map.</param>
    /// <param name="imageHeight">Rows of the image the box refers to.</param>
    /// <param name="imageWidth">Columns of the image.</param>
    /// <param name="threshold">Fraction of the normalised score range kept, in [0, 1). Defaults to 0.2 (the CAM paper's choice).</param>
    public static BoundingBox Localize(ReadOnlySpan<float> map, int mapHeight, int mapWidth, int imageHeight, int imageWidth, double threshold = 0.2)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mapHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(mapWidth);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageHeight);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(imageWidth);
        if (map.Length != mapHeight * mapWidth)
        {
            throw new ArgumentException($"a {mapHeight}x{mapWidth} map needs {mapHeight * mapWidth} scores, got {map.Length}", nameof(map));
        }
        if (!(threshold >= 0 && threshold < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(threshold), threshold, "threshold must be in [0, 1)");
        }
        var normalised = ScoreMap.Normalize(map);
        var upsampled = ScoreMap.Resize(normalised, mapHeight, mapWidth, imageHeight, imageWidth);
        var mask = new bool[upsampled.Length];
        for (var i = 0; i < mask.Length; i++)
        {
            mask[i] = upsampled[i] >= threshold;
        }
        return LargestComponentBox(mask, imageHeight, imageWidth);
    }

    /// <summary>True when <paramref name="predicted"/> overlaps <paramref name="truth"/> with IoU ≥ 0.5 and the class is right.</summary>
    public static bool IsCorrect(BoundingBox predicted, BoundingBox truth, bool classCorrect) =>
        classCorrect && predicted.IoU(truth) >= IoUThreshold;

    /// <summary>The bounding box of the largest 8-connected true region (an empty box when there is none).</summary>
    internal static BoundingBox LargestComponentBox(bool[] mask, int h, int w)
    {
        var label = new int[mask.Length];
        var best = new BoundingBox(0, 0, 0, 0);
        var bestSize = 0;
        var stack = new Stack<int>();
        var next = 0;
        for (var start = 0; start < mask.Length; start++)
        {
            if (!mask[start] || label[start] != 0)
            {
                continue;
            }
            next++;
            label[start] = next;
            stack.Push(start);
            int size = 0, left = w, top = h, right = 0, bottom = 0;
            while (stack.Count > 0)
            {
                var p = stack.Pop();
                var py = p / w;
                var px = p % w;
                size++;
                left = Math.Min(left, px);
                right = Math.Max(right, px + 1);
                top = Math.Min(top, py);
                bottom = Math.Max(bottom, py + 1);
                for (var dy = -1; dy <= 1; dy++)
                {
                    for (var dx = -1; dx <= 1; dx++)
                    {
                        var ny = py + dy;
                        var nx = px + dx;
                        if (ny < 0 || ny >= h || nx < 0 || nx >= w)
                        {
                            continue;
                        }
                        var q = (ny * w) + nx;
                        if (mask[q] && label[q] == 0)
                        {
                            label[q] = next;
                            stack.Push(q);
                        }
                    }
                }
            }
            if (size > bestSize)
            {
                bestSize = size;
                best = new BoundingBox(left, top, right, bottom);
            }
        }
        return best;
    }
}

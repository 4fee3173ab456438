namespace Saol.Models.Evaluation;

/// <summary>Operations on 2-D score maps (attention maps, class maps) held as row-major float arrays.</summary>
public static class ScoreMap
{
    /// <summary>Min-max scales to [0, 1]; a constant map becomes all ones (every position equally likely).</summary>
    /// <exception cref="ArgumentException">The map contains NaN.</exception>
    public static float[] Normalize(ReadOnlySpan<float> map)
    {
        var min = float.PositiveInfinity;
        var max = float.NegativeInfinity;
        foreach (var v in map)
        {
            if (float.IsNaN(v))
            {
                throw new ArgumentException("the score map contains NaN", nameof(map));
            }
            min = Math.Min(min, v);
            max = Math.Max(max, v);
        }
        var result = new float[map.Length];
        var range = max - min;
        for (var i = 0; i < map.Length; i++)
        {
            result[i] = range > 0 ? (map[i] - min) / range : 1f;
        }
        return result;
    }

    /// <summary>Bilinear resize of a row-major h×w map with half-pixel centres and edge clamping (PyTorch's align_corners=False).</summary>
    public static float[] Resize(ReadOnlySpan<float> src, int h, int w, int outH, int outW)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(h);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(w);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outH);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(outW);
        if (src.Length != h * w)
        {
            throw new ArgumentException($"a {h}x{w} map needs {h * w} values, got {src.Length}", nameof(src));
        }
        var dst = new float[outH * outW];
        var scaleY = (double)h / outH;
        var scaleX = (double)w / outW;
        for (var y = 0; y < outH; y++)
        {
            var sy = Math.Max(0, ((y + 0.5) * scaleY) - 0.5);
            var y0 = Math.Min((int)sy, h - 1);
            var y1 = Math.Min(y0 + 1, h - 1);
            var fy = sy - y0;
            for (var x = 0; x < outW; x++)
            {
                var sx = Math.Max(0, ((x + 0.5) * scaleX) - 0.5);
                var x0 = Math.Min((int)sx, w - 1);
                var x1 = Math.Min(x0 + 1, w - 1);
                var fx = sx - x0;
                var top = (src[(y0 * w) + x0] * (1 - fx)) + (src[(y0 * w) + x1] * fx);
                var bottom = (src[(y1 * w) + x0] * (1 - fx)) + (src[(y1 * w) + x1] * fx);
                dst[(y * outW) + x] = (float)((top * (1 - fy)) + (bottom * fy));
            }
        }
        return dst;
    }
}

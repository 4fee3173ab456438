using Saol.Data.Sampling;

namespace Saol.Data.ImageFolder.Internal;

/// <summary>A crop of an image: top row, left column, height and width in pixels (torchvision's i, j, h, w).</summary>
internal readonly record struct CropBox(int Top, int Left, int Height, int Width);

/// <summary>
/// torchvision 0.14's <c>RandomResizedCrop.get_params</c>: up to ten tries of an area fraction
/// uniform in <c>scale</c> and an aspect ratio log-uniform in <c>ratio</c>, the first crop that fits
/// placed uniformly; when none fits, a centre crop of the whole image clamped to the ratio range.
/// Python's round (half to even) and floor division are reproduced; the draws come from a
/// <see cref="SplitMix64"/> stream instead of torch's generator, so the distribution — not the
/// individual crops — is torchvision's.
/// </summary>
internal static class RandomResizedCrop
{
    internal const int Attempts = 10;

    internal static CropBox Sample(int width, int height, (double Min, double Max) scale, (double Min, double Max) ratio, ref SplitMix64 random)
    {
        var area = (double)height * width;
        var logMin = Math.Log(ratio.Min);
        var logMax = Math.Log(ratio.Max);
        for (var attempt = 0; attempt < Attempts; attempt++)
        {
            var targetArea = area * (scale.Min + ((scale.Max - scale.Min) * random.NextDouble()));
            var aspect = Math.Exp(logMin + ((logMax - logMin) * random.NextDouble()));
            var w = (int)Math.Round(Math.Sqrt(targetArea * aspect), MidpointRounding.ToEven);
            var h = (int)Math.Round(Math.Sqrt(targetArea / aspect), MidpointRounding.ToEven);
            if (w > 0 && w <= width && h > 0 && h <= height)
            {
                var top = random.NextInt(height - h + 1);
                var left = random.NextInt(width - w + 1);
                return new CropBox(top, left, h, w);
            }
        }
        return CentreFallback(width, height, ratio);
    }

    internal static CropBox CentreFallback(int width, int height, (double Min, double Max) ratio)
    {
        var inRatio = (double)width / height;
        int w, h;
        if (inRatio < ratio.Min)
        {
            w = width;
            h = (int)Math.Round(w / ratio.Min, MidpointRounding.ToEven);
        }
        else if (inRatio > ratio.Max)
        {
            h = height;
            w = (int)Math.Round(h * ratio.Max, MidpointRounding.ToEven);
        }
        else
        {
            w = width;
            h = height;
        }
        // A ratio range far from the image's can round a side to 0; one pixel is the smallest crop.
        w = Math.Clamp(w, 1, width);
        h = Math.Clamp(h, 1, height);
        return new CropBox((height - h) / 2, (width - w) / 2, h, w);
    }
}

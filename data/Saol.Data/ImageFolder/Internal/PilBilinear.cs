using System.Buffers;

namespace Saol.Data.ImageFolder.Internal;

/// <summary>
/// Pillow's <c>Image.resize(size, BILINEAR)</c> on 8-bit RGB (Pillow 9, libImaging/Resample.c), bit for
/// bit: a triangle filter whose support is scaled by the down-scaling factor (so shrinking averages
/// every covered pixel — antialiasing — instead of sampling two), weights normalised per output pixel
/// and rounded to 22-bit fixed point, a horizontal pass into an 8-bit intermediate (rounded and
/// clamped) and then a vertical pass. torchvision 0.14's Resize and RandomResizedCrop call exactly this
/// on PIL images, so matching it keeps our inputs those the published ImageNet models were trained on.
/// </summary>
internal static class PilBilinear
{
    private const int PrecisionBits = 32 - 8 - 2;
    private const int Half = 1 << (PrecisionBits - 1);

    /// <summary>
    /// Resizes the <paramref name="width"/>×<paramref name="height"/> region at (<paramref name="x0"/>,
    /// <paramref name="y0"/>) of <paramref name="source"/> (RGB rows of <paramref name="sourceWidth"/>
    /// pixels) to <paramref name="outWidth"/>×<paramref name="outHeight"/> — as Pillow resizes the
    /// image <c>crop(region)</c>, so no pixel outside the region contributes — and writes only the
    /// window (<paramref name="windowX"/>, <paramref name="windowY"/>, <paramref name="windowWidth"/>,
    /// <paramref name="windowHeight"/>) of the result, RGB interleaved, to <paramref name="destination"/>.
    /// Each output pixel depends only on its own coefficients, so computing a window gives the same
    /// bytes as resizing fully and cropping afterwards (the eval pipeline's Resize + CenterCrop).
    /// </summary>
    internal static void Resize(
        ReadOnlySpan<byte> source, int sourceWidth, int x0, int y0, int width, int height,
        int outWidth, int outHeight, int windowX, int windowY, int windowWidth, int windowHeight, Span<byte> destination)
    {
        if (destination.Length != windowWidth * windowHeight * 3)
        {
            throw new ArgumentException($"destination holds {destination.Length} bytes; the window needs {windowWidth * windowHeight * 3}", nameof(destination));
        }
        var horizontal = Coefficients.For(width, outWidth, windowX, windowWidth);
        var vertical = Coefficients.For(height, outHeight, windowY, windowHeight);
        // Rows of the region the vertical pass reads (Pillow's ybox_first..ybox_last).
        var firstRow = vertical.Start[0];
        var lastRow = vertical.Start[windowHeight - 1] + vertical.Count[windowHeight - 1];
        var rows = lastRow - firstRow;
        var stride = sourceWidth * 3;
        var rented = ArrayPool<byte>.Shared.Rent(rows * windowWidth * 3);
        try
        {
            ResizeRented(source, stride, x0, y0, width, firstRow, rows, horizontal, vertical, windowWidth, windowHeight, rented, destination);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(rented);
        }
    }

    private static void ResizeRented(
        ReadOnlySpan<byte> source, int stride, int x0, int y0, int width, int firstRow, int rows,
        Coefficients horizontal, Coefficients vertical, int windowWidth, int windowHeight, byte[] temp, Span<byte> destination)
    {
        for (var r = 0; r < rows; r++)
        {
            var row = source.Slice(((y0 + firstRow + r) * stride) + (x0 * 3), width * 3);
            ResampleRow(row, horizontal, temp.AsSpan(r * windowWidth * 3, windowWidth * 3));
        }
        // Row-wise accumulation: the same integer sums as Pillow's column loop, in cache order.
        var rowBytes = windowWidth * 3;
        var sums = new int[rowBytes];
        for (var yy = 0; yy < windowHeight; yy++)
        {
            var start = vertical.Start[yy] - firstRow;
            var weights = vertical.Weights.AsSpan(yy * vertical.KernelSize, vertical.Count[yy]);
            sums.AsSpan().Fill(Half);
            for (var k = 0; k < weights.Length; k++)
            {
                var w = weights[k];
                var input = temp.AsSpan((start + k) * rowBytes, rowBytes);
                for (var x = 0; x < rowBytes; x++)
                {
                    sums[x] += input[x] * w;
                }
            }
            var output = destination.Slice(yy * rowBytes, rowBytes);
            for (var x = 0; x < rowBytes; x++)
            {
                output[x] = Clip8(sums[x]);
            }
        }
    }

    private static void ResampleRow(ReadOnlySpan<byte> row, Coefficients horizontal, Span<byte> output)
    {
        for (var xx = 0; xx < horizontal.Start.Length; xx++)
        {
            var weights = horizontal.Weights.AsSpan(xx * horizontal.KernelSize, horizontal.Count[xx]);
            var pixels = row.Slice(horizontal.Start[xx] * 3, weights.Length * 3);
            int r = Half, g = Half, b = Half;
            for (var k = 0; k < weights.Length; k++)
            {
                var w = weights[k];
                r += pixels[3 * k] * w;
                g += pixels[(3 * k) + 1] * w;
                b += pixels[(3 * k) + 2] * w;
            }
            output[3 * xx] = Clip8(r);
            output[(3 * xx) + 1] = Clip8(g);
            output[(3 * xx) + 2] = Clip8(b);
        }
    }

    private static byte Clip8(int sum)
    {
        var v = sum >> PrecisionBits;
        return (byte)(v < 0 ? 0 : v > 255 ? 255 : v);
    }

    /// <summary>One axis's fixed-point weights (Pillow's precompute_coeffs + normalize_coeffs_8bpc) for a window of the outputs.</summary>
    internal sealed class Coefficients
    {
        private Coefficients(int[] start, int[] count, int[] weights, int kernelSize)
        {
            Start = start;
            Count = count;
            Weights = weights;
            KernelSize = kernelSize;
        }

        /// <summary>First input pixel of each output pixel.</summary>
        internal int[] Start { get; }

        /// <summary>Input pixels of each output pixel.</summary>
        internal int[] Count { get; }

        /// <summary>Weights, <see cref="KernelSize"/> slots per output pixel, scaled by 2^22.</summary>
        internal int[] Weights { get; }

        internal int KernelSize { get; }

        internal static Coefficients For(int inSize, int outSize, int windowStart, int windowLength)
        {
            if (inSize <= 0 || outSize <= 0 || windowStart < 0 || windowLength <= 0 || windowStart + windowLength > outSize)
            {
                throw new ArgumentOutOfRangeException(nameof(windowLength), $"cannot take outputs [{windowStart}, {windowStart + windowLength}) of a resize from {inSize} to {outSize}");
            }
            var scale = (double)inSize / outSize;
            var filterScale = Math.Max(scale, 1.0);
            var support = 1.0 * filterScale; // the bilinear (triangle) filter's support is 1
            var kernelSize = ((int)Math.Ceiling(support) * 2) + 1;
            var start = new int[windowLength];
            var count = new int[windowLength];
            var weights = new int[windowLength * kernelSize];
            var k = new double[kernelSize];
            var ss = 1.0 / filterScale;
            for (var i = 0; i < windowLength; i++)
            {
                var xx = windowStart + i;
                var center = (xx + 0.5) * scale;
                var xmin = Math.Max((int)(center - support + 0.5), 0);
                var xmax = Math.Min((int)(center + support + 0.5), inSize) - xmin;
                var ww = 0.0;
                for (var x = 0; x < xmax; x++)
                {
                    var w = Triangle(((x + xmin) - center + 0.5) * ss);
                    k[x] = w;
                    ww += w;
                }
                for (var x = 0; x < xmax; x++)
                {
                    var w = ww != 0.0 ? k[x] / ww : k[x];
                    weights[(i * kernelSize) + x] = w < 0 ? (int)(-0.5 + (w * (1 << PrecisionBits))) : (int)(0.5 + (w * (1 << PrecisionBits)));
                }
                start[i] = xmin;
                count[i] = xmax;
            }
            return new Coefficients(start, count, weights, kernelSize);
        }

        private static double Triangle(double x)
        {
            x = Math.Abs(x);
            return x < 1.0 ? 1.0 - x : 0.0;
        }
    }
}

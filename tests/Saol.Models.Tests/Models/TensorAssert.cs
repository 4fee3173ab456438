using Saol.Torch;
using Xunit;

namespace Saol.Models.Tests.Models;

internal static class TensorAssert
{
    /// <summary>‖actual − expected‖ ≤ tolerance·‖expected‖ (plus a tiny absolute floor for all-zero tensors).</summary>
    public static void Close(Tensor expected, Tensor actual, string name, double tolerance = 1e-5)
    {
        Assert.Equal(expected.shape, actual.shape);
        var e = expected.to(ScalarType.Float64).contiguous().ToArray<double>();
        var a = actual.to(ScalarType.Float64).contiguous().ToArray<double>();
        double diff = 0, norm = 0;
        for (var i = 0; i < e.Length; i++)
        {
            diff += (a[i] - e[i]) * (a[i] - e[i]);
            norm += e[i] * e[i];
        }
        var relative = Math.Sqrt(diff) / Math.Max(Math.Sqrt(norm), 1e-12);
        Assert.True(Math.Sqrt(diff) <= (tolerance * Math.Sqrt(norm)) + 1e-9, $"{name}: relative error {relative:E3} exceeds {tolerance:E1}");
    }
}

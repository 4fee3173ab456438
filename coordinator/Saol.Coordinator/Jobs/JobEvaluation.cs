using System.Globalization;
using System.Text.RegularExpressions;

namespace Saol.Coordinator.Jobs;

/// <summary>
/// The latest epoch-end evaluation of a job's two heads. It travels in the job's message
/// (<c>epoch 3: test_accuracy_saol=0.8123 test_accuracy_gapfc=0.8051</c>), the one free-text field
/// the state store keeps, so it survives a coordinator restart with the job.
/// </summary>
/// <param name="Epoch">The evaluated epoch (1-based: epochs completed).</param>
/// <param name="AccuracySaol">Top-1 test accuracy of the SAOL head.</param>
/// <param name="AccuracyGapFc">Top-1 test accuracy of the GAP-FC head.</param>
public sealed partial record JobEvaluation(int Epoch, double AccuracySaol, double AccuracyGapFc)
{
    /// <inheritdoc />
    public override string ToString() =>
        FormattableString.Invariant($"epoch {Epoch}: test_accuracy_saol={AccuracySaol:F4} test_accuracy_gapfc={AccuracyGapFc:F4}");

    /// <summary>The evaluation a job message carries, or null.</summary>
    public static JobEvaluation? Parse(string? message)
    {
        if (message is null)
        {
            return null;
        }
        var match = Pattern().Match(message);
        return match.Success
            ? new JobEvaluation(
                int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture),
                double.Parse(match.Groups[2].Value, CultureInfo.InvariantCulture),
                double.Parse(match.Groups[3].Value, CultureInfo.InvariantCulture))
            : null;
    }

    [GeneratedRegex(@"^epoch (\d+): test_accuracy_saol=([0-9.]+|NaN) test_accuracy_gapfc=([0-9.]+|NaN)")]
    private static partial Regex Pattern();
}

using System.Globalization;
using System.Text;

namespace Saol.Metrics.Internal;

/// <summary>
/// Writes the Prometheus text exposition format, version 0.0.4: per family a <c># HELP</c> and a <c># TYPE</c> line,
/// then one line per sample, <c>name{label="value",…} value</c>. Help text escapes <c>\</c> and line feeds; label
/// values also escape <c>"</c>. Histograms write cumulative <c>_bucket</c> samples with an <c>le</c> label ending
/// at <c>+Inf</c>, then <c>_sum</c> and <c>_count</c>.
/// </summary>
internal sealed class ExpositionWriter(TextWriter output)
{
    public void WriteHeader(Metric metric)
    {
        output.Write("# HELP ");
        output.Write(metric.Name);
        output.Write(' ');
        output.Write(Escape(metric.Help, escapeQuotes: false));
        output.Write('\n');
        output.Write("# TYPE ");
        output.Write(metric.Name);
        output.Write(' ');
        output.Write(metric.Type switch
        {
            MetricType.Counter => "counter",
            MetricType.Gauge => "gauge",
            MetricType.Histogram => "histogram",
            _ => throw new InvalidOperationException($"unknown metric type {metric.Type}"),
        });
        output.Write('\n');
    }

    public void WriteSample(string name, IReadOnlyList<string> labelNames, IReadOnlyList<string> labelValues, double value, string? extraLabel = null, string? extraValue = null)
    {
        output.Write(name);
        if (labelNames.Count > 0 || extraLabel is not null)
        {
            output.Write('{');
            for (var i = 0; i < labelNames.Count; i++)
            {
                if (i > 0)
                {
                    output.Write(',');
                }
                WriteLabel(labelNames[i], labelValues[i]);
            }
            if (extraLabel is not null)
            {
                if (labelNames.Count > 0)
                {
                    output.Write(',');
                }
                WriteLabel(extraLabel, extraValue!);
            }
            output.Write('}');
        }
        output.Write(' ');
        output.Write(FormatValue(value));
        output.Write('\n');
    }

    public void WriteHistogram(Histogram histogram, IReadOnlyList<string> labelValues, (long[] Cumulative, double Sum) snapshot)
    {
        var bucketName = histogram.Name + "_bucket";
        for (var i = 0; i < histogram.UpperBounds.Count; i++)
        {
            WriteSample(bucketName, histogram.LabelNames, labelValues, snapshot.Cumulative[i], "le", FormatValue(histogram.UpperBounds[i]));
        }
        var count = snapshot.Cumulative[^1];
        WriteSample(bucketName, histogram.LabelNames, labelValues, count, "le", "+Inf");
        WriteSample(histogram.Name + "_sum", histogram.LabelNames, labelValues, snapshot.Sum);
        WriteSample(histogram.Name + "_count", histogram.LabelNames, labelValues, count);
    }

    /// <summary>Go-parsable float text: shortest round-trip digits, and <c>+Inf</c>, <c>-Inf</c>, <c>NaN</c>.</summary>
    public static string FormatValue(double value) =>
        double.IsPositiveInfinity(value) ? "+Inf"
        : double.IsNegativeInfinity(value) ? "-Inf"
        : double.IsNaN(value) ? "NaN"
        : value.ToString("R", CultureInfo.InvariantCulture);

    private void WriteLabel(string name, string value)
    {
        output.Write(name);
        output.Write("=\"");
        output.Write(Escape(value, escapeQuotes: true));
        output.Write('"');
    }

    private static string Escape(string text, bool escapeQuotes)
    {
        if (text.AsSpan().IndexOfAny(escapeQuotes ? "\\\n\"" : "\\\n") < 0)
        {
            return text;
        }
        var sb = new StringBuilder(text.Length + 8);
        foreach (var c in text)
        {
            switch (c)
            {
                case '\\':
                    sb.Append(@"\\");
                    break;
                case '\n':
                    sb.Append(@"\n");
                    break;
                case '"' when escapeQuotes:
                    sb.Append("\\\"");
                    break;
                default:
                    sb.Append(c);
                    break;
            }
        }
        return sb.ToString();
    }
}

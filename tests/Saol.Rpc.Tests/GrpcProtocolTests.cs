using Saol.Rpc.Internal;

namespace Saol.Rpc.Tests;

public sealed class GrpcProtocolTests
{
    [Theory]
    [InlineData("2H", 2 * 3600_000_000_0L)]
    [InlineData("3M", 3 * 60_000_000_0L)]
    [InlineData("7S", 7 * 10_000_000L)]
    [InlineData("250m", 250 * 10_000L)]
    [InlineData("1500u", 1500 * 10L)]
    [InlineData("1000n", 10L)]
    [InlineData("99999999m", 99_999_999L * 10_000L)]
    public void TryParseTimeout_EveryUnit_Parses(string value, long ticks)
    {
        Assert.True(GrpcProtocol.TryParseTimeout(value, out var timeout));
        Assert.Equal(ticks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("5")]
    [InlineData("S")]
    [InlineData("5s")]
    [InlineData("-5S")]
    [InlineData("123456789S")]
    [InlineData("1.5S")]
    public void TryParseTimeout_Malformed_False(string value)
    {
        Assert.False(GrpcProtocol.TryParseTimeout(value, out _));
    }

    [Theory]
    [InlineData(0.0005, "500u")]
    [InlineData(1.5, "1500000u")]
    [InlineData(120.0, "120000m")]
    [InlineData(86400.0 * 3, "259200S")]
    public void FormatTimeout_FinestUnitWithinEightDigits(double seconds, string expected)
    {
        Assert.Equal(expected, GrpcProtocol.FormatTimeout(TimeSpan.FromSeconds(seconds)));
    }

    [Fact]
    public void FormatTimeout_RoundTrip_NeverShortens()
    {
        foreach (var ticks in new[] { 1L, 9L, 10L, 12345L, 999_999_999L, 123_456_789_012L })
        {
            Assert.True(GrpcProtocol.TryParseTimeout(GrpcProtocol.FormatTimeout(TimeSpan.FromTicks(ticks)), out var back));
            Assert.True(back.Ticks >= ticks);
        }
    }

    [Theory]
    [InlineData("plain ascii", "plain ascii")]
    [InlineData("100%", "100%25")]
    [InlineData("jöb\n", "j%C3%B6b%0A")]
    public void PercentEncode_EscapesNonPrintableAndPercent(string message, string encoded)
    {
        Assert.Equal(encoded, GrpcProtocol.PercentEncode(message));
        Assert.Equal(message, GrpcProtocol.PercentDecode(encoded));
    }

    [Fact]
    public void PercentDecode_MalformedEscape_KeptAsIs()
    {
        Assert.Equal("50%zz and %", GrpcProtocol.PercentDecode("50%zz and %"));
    }

    [Theory]
    [InlineData("application/grpc", true)]
    [InlineData("application/grpc+proto", true)]
    [InlineData("application/grpc; charset=utf-8", true)]
    [InlineData("application/grpc-web", false)]
    [InlineData("application/json", false)]
    [InlineData(null, false)]
    public void IsGrpcContentType(string? value, bool expected)
    {
        Assert.Equal(expected, GrpcProtocol.IsGrpcContentType(value));
    }

    [Fact]
    public void BinaryMetadata_UnpaddedBase64_RoundTrips()
    {
        var bytes = new byte[] { 1, 2, 3, 4 };
        var encoded = GrpcProtocol.EncodeHeaderValue(new Metadata.Entry("k-bin", bytes));
        var received = new Metadata();

        GrpcProtocol.AddReceivedHeader(received, "K-Bin", encoded);

        Assert.DoesNotContain('=', encoded);
        Assert.Equal(bytes, received.GetValueBytes("k-bin"));
    }

    [Fact]
    public void Metadata_InvalidKeyOrValue_Throws()
    {
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("bad key", "v"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("k", "line\nbreak"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("k-bin", "text"));
        Assert.Throws<ArgumentException>(() => new Metadata.Entry("k", [1]));
    }
}

using System.Text;
using Evidence.Cli.Demo;
using Evidence.Ingest;

namespace Evidence.Tests.Ingest;

public sealed class MediaTypesTests
{
    [Theory]
    [InlineData("FFD8FFE000104A464946", "image/jpeg")]
    [InlineData("89504E470D0A1A0A0000", "image/png")]
    [InlineData("474946383961", "image/gif")]
    [InlineData("255044462D312E37", "application/pdf")]
    [InlineData("000000186674797068656963", "image/heic")]
    [InlineData("00000020667479706973366D", "video/mp4")]
    [InlineData("0000001466747970717420200000", "video/quicktime")]
    [InlineData("52494646000000005745425056503820", "image/webp")]
    [InlineData("524946460000000057415645666D7420", "audio/wav")]
    [InlineData("1A45DFA3010000000000001F4286810142F7810142F2810442F381084282847765626D", "video/webm")]
    [InlineData("494433040000", "audio/mpeg")]
    [InlineData("504B0304140000000800", "application/zip")]
    [InlineData("D0CF11E0A1B11AE1", "application/x-ole-storage")]
    [InlineData("00010203FFFE", "application/octet-stream")]
    public void Detect_KnownSignatures(string hex, string expected) =>
        Assert.Equal(expected, MediaTypes.Detect(Convert.FromHexString(hex)));

    [Fact]
    public void Detect_Text_IsTextEvenWhenAMultiByteCharacterIsCutAtTheEnd()
    {
        var text = Encoding.UTF8.GetBytes("Свідчення свідка W-017");
        Assert.Equal("text/plain", MediaTypes.Detect(text.AsSpan(0, text.Length - 1)));
    }

    [Fact]
    public void Detect_DemoFiles_AreWhatTheyClaim()
    {
        Assert.Equal("image/png", MediaTypes.Detect(SyntheticFiles.Png(10, 10)));
        Assert.Equal("application/pdf", MediaTypes.Detect(SyntheticFiles.Pdf("x")));
    }

    [Fact]
    public void Detect_Nothing_IsEmpty() => Assert.Equal("application/x-empty", MediaTypes.Detect([]));
}

using Evidence.Referrals;

namespace Evidence.Tests.Referrals;

public sealed class BagNamesTests
{
    [Theory]
    [InlineData("photo.jpg", "photo.jpg")]
    [InlineData("../../etc/passwd", "passwd")]
    [InlineData("C:\\Users\\x\\CON.txt", "CON.txt")]
    [InlineData("звіт свідка.pdf", "zvit_svidka.pdf")]
    [InlineData("Їжак.txt", "Yizhak.txt")]
    [InlineData("\u202Egpj.exe", "gpj.exe")]
    [InlineData("a:b*c?d\"e<f>g|h.txt", "a_b_c_d_e_f_g_h.txt")]
    [InlineData("...", "item")]
    [InlineData("", "item")]
    [InlineData(".hidden", "hidden")]
    [InlineData("name. .txt", "name._.txt")]
    public void Safe_HostileOrForeignNames_PlainAsciiNames(string original, string expected) =>
        Assert.Equal(expected, BagNames.Safe(original));

    [Fact]
    public void Safe_VeryLongName_TruncatedKeepingTheExtension()
    {
        var safe = BagNames.Safe(new string('a', 5000) + ".mp4");

        Assert.Equal(80, safe.Length);
        Assert.EndsWith("a.mp4", safe, StringComparison.Ordinal);
    }

    [Fact]
    public void EvidenceFile_PrefixedByTheErn_UniqueEvenForTheSameName() =>
        Assert.NotEqual(BagNames.EvidenceFile("UKR-EVD-0001-0001", "a.jpg"), BagNames.EvidenceFile("UKR-EVD-0001-0002", "a.jpg"));
}

namespace Evidence.Custody;

/// <summary>
/// One thing that is not as recorded: what (an item, a row, an event, a checkpoint, a blob, a package entry), expected,
/// found. Tampering is reported as findings, never thrown: verify and verify-package return every one.
/// </summary>
public sealed record Finding(string Kind, string Subject, string Expected, string Found)
{
    /// <summary>A stored value as a finding shows it: cut, so that a forged megabyte does not become a megabyte of report.</summary>
    public static string Cut(string value) => value.Length <= 120 ? value : value[..120] + $"… ({value.Length} characters)";
}

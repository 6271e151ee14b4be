namespace Evidence.Ingest;

/// <summary>
/// The former home of <see cref="Text.Display"/>, which is shared by every feature that shows a name. Kept only so
/// that Referrals/VerifyReferralPackage.cs, which another change is rewriting, still compiles; point it at
/// <see cref="Text.Display"/> and remove this.
/// </summary>
public static class Display
{
    public static string Text(string value) => Evidence.Text.Display.Text(value);

    public static string Path(string value) => Evidence.Text.Display.Path(value);
}

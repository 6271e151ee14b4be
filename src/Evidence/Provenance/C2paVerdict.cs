namespace Evidence.Provenance;

/// <summary>
/// What a file's C2PA Content Credentials say and whether they hold, in C2PA's own vocabulary (C2PA 2.1 §15.2
/// "Returning Validation Results"). <see cref="State"/> is one of <see cref="C2paStates"/>:
/// <c>valid</c> (the claim signature verifies, every hashed URI and the data hash match), <c>invalid</c> (see
/// <see cref="Failures"/>), <c>absent</c> (the file carries no manifest store) or <c>unreadable</c> (a manifest store is
/// there but could not be read to a verdict; <see cref="Reason"/> says why).
/// </summary>
/// <param name="State">valid, invalid, absent or unreadable.</param>
/// <param name="Failures">C2PA failure codes, e.g. <c>claimSignature.mismatch</c>, <c>assertion.dataHash.mismatch</c>.</param>
/// <param name="Signer">Subject of the signing certificate (the first in <c>x5chain</c>), most specific part first ("CN=..., O=..."), as the file states it.</param>
/// <param name="ClaimGenerator">The software that made the claim, as the claim states it.</param>
/// <param name="Actions">The <c>action</c> of each entry of the <c>c2pa.actions</c> assertion, in order.</param>
/// <param name="Trusted">
/// True only when the verdict is valid and the signer's <c>x5chain</c> leads to a trust anchor configured at intake
/// (EVIDENCE_C2PA_TRUST_ANCHORS, <see cref="C2paTrustAnchors"/>). A separate answer from whether the signature verifies:
/// a valid verdict alone says the bytes are as signed by whoever holds that certificate's key, not who that is.
/// </param>
/// <param name="Reason">For unreadable: why no verdict could be reached.</param>
/// <param name="TrustReason">
/// For a valid verdict, why the signer is trusted (the anchor reached) or not ("untrusted signer: ..."); null otherwise,
/// and for verdicts recorded before trust was decided.
/// </param>
public sealed record C2paVerdict(
    string State,
    IReadOnlyList<string> Failures,
    string? Signer,
    string? ClaimGenerator,
    IReadOnlyList<string> Actions,
    bool Trusted,
    string? Reason,
    string? TrustReason = null)
{
    internal static C2paVerdict Absent() => new(C2paStates.Absent, [], null, null, [], false, null);

    internal static C2paVerdict Unreadable(string reason) => new(C2paStates.Unreadable, [], null, null, [], false, reason);
}

/// <summary>The values of <see cref="C2paVerdict.State"/>.</summary>
public static class C2paStates
{
    public const string Valid = "valid";
    public const string Invalid = "invalid";
    public const string Absent = "absent";
    public const string Unreadable = "unreadable";
}

/// <summary>
/// The C2PA failure codes this reader reports (C2PA 2.1 §15.2, the same strings as the reference implementation's
/// <c>validation_results.rs</c>).
/// </summary>
public static class C2paFailures
{
    public const string ClaimMissing = "claim.missing";
    public const string ClaimMultiple = "claim.multiple";
    public const string ClaimCborInvalid = "claim.cbor.invalid";
    public const string ClaimSignatureMissing = "claimSignature.missing";
    public const string ClaimSignatureMismatch = "claimSignature.mismatch";
    public const string SigningCredentialInvalid = "signingCredential.invalid";
    public const string AlgorithmUnsupported = "algorithm.unsupported";
    public const string AssertionMissing = "assertion.missing";
    public const string AssertionHashedUriMismatch = "assertion.hashedURI.mismatch";
    public const string AssertionCborInvalid = "assertion.cbor.invalid";
    public const string HardBindingsMissing = "claim.hardBindings.missing";
    public const string MultipleHardBindings = "assertion.multipleHardBindings";
    public const string DataHashMismatch = "assertion.dataHash.mismatch";
    public const string DataHashMalformed = "assertion.dataHash.malformed";
}

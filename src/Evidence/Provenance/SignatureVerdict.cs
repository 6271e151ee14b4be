namespace Evidence.Provenance;

/// <summary>
/// One detached signature that came with a file (<c>photo.jpg.asc</c> beside <c>photo.jpg</c>, as ProofMode makes), and
/// whether it holds over exactly the bytes that were ingested. <see cref="State"/> is one of <see cref="SignatureStates"/>.
/// The sidecar itself is kept in <see cref="Armored"/>, so that a court can check the signature again with its own tools
/// and so that it travels with the item.
/// </summary>
/// <param name="Kind">The kind of signature: <c>openpgp</c>.</param>
/// <param name="State"><c>valid</c>, <c>invalid</c> (the key is known and the signature does not match these bytes), <c>no key</c> (a readable signature by a key Evidence does not have: see <see cref="KeyId"/>) or <c>unreadable</c> (see <see cref="Reason"/>).</param>
/// <param name="Sidecar">The sidecar's file name (its last segment only, never a folder), as it arrived.</param>
/// <param name="KeyId">The signing key's 64-bit key id in hexadecimal, as the signature names it.</param>
/// <param name="Fingerprint">The signing key's fingerprint in hexadecimal, when the key is known.</param>
/// <param name="UserId">The user id of the key that signed (its primary key's first), when the key is known: what the key's holder wrote, not checked by anyone.</param>
/// <param name="CreatedAt">When the signature says it was made (UTC, ISO 8601): the signer's clock, not a time stamp.</param>
/// <param name="HashAlgorithm">The hash the signature is made over (<c>SHA256</c>, <c>SHA512</c>, <c>SHA1</c>, ...).</param>
/// <param name="Trusted">True only for a valid signature by a key configured as trusted at intake (EVIDENCE_OPENPGP_KEYS); a key that came with the evidence proves only that whoever made the key signed it.</param>
/// <param name="KeySource">Where the key came from: <c>configured</c> (trusted) or <c>with the evidence</c> (a key file beside it, not trusted).</param>
/// <param name="Reason">Why the signature is invalid or unreadable, in words.</param>
/// <param name="SidecarSha256">SHA-256 of the sidecar's bytes exactly as they arrived.</param>
/// <param name="Armored">The sidecar's bytes in ASCII armor: as they arrived when they already were armor, else armored here (base64 of exactly those bytes); null when it was too large to keep.</param>
/// <param name="PublicKey">The key ring that checked it, armored (so that the check can be repeated with exactly that key, whether it was configured or came with the evidence); null when no key was found or the ring is larger than 64 KiB.</param>
public sealed record SignatureVerdict(
    string Kind,
    string State,
    string Sidecar,
    string? KeyId,
    string? Fingerprint,
    string? UserId,
    string? CreatedAt,
    string? HashAlgorithm,
    bool Trusted,
    string? KeySource,
    string? Reason,
    string? SidecarSha256,
    string? Armored,
    string? PublicKey = null)
{
    /// <summary>The verdict in words, for a line of text or a cell: its state, key, whether that key was one the installation trusts, and why not.</summary>
    [System.Text.Json.Serialization.JsonIgnore]
    public string InWords =>
        State + (KeyId is { } key ? $", key {key}" : "") + (UserId is { } user ? $" {user}" : "") +
        (State == SignatureStates.Valid ? Trusted ? " (trusted key)" : " (untrusted key)" : "") + (Reason is { } why ? $": {why}" : "");
}

/// <summary>The values of <see cref="SignatureVerdict.State"/>.</summary>
public static class SignatureStates
{
    /// <summary>The signature verifies over the ingested bytes with the key it names.</summary>
    public const string Valid = "valid";

    /// <summary>The key it names is known, and the signature does not verify over the ingested bytes.</summary>
    public const string Invalid = "invalid";

    /// <summary>A well-formed signature by a key that neither the configuration nor the evidence provides.</summary>
    public const string NoKey = "no key";

    /// <summary>The sidecar could not be read as a detached signature.</summary>
    public const string Unreadable = "unreadable";
}

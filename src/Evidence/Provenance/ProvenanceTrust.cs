namespace Evidence.Provenance;

/// <summary>
/// What the installation trusts when intake reads a file's provenance: the OpenPGP keys of EVIDENCE_OPENPGP_KEYS and the
/// C2PA trust anchors of EVIDENCE_C2PA_TRUST_ANCHORS. Each is read
/// once, when the first item needs them (a misconfigured list then refuses the ingest with the reason, rather than
/// marking everything untrusted unseen), and kept for the life of the process: trust is decided at intake with the list
/// configured then, and recorded with the item.
/// </summary>
public sealed class ProvenanceTrust
{
    private readonly Lazy<OpenPgpKeys> openPgpKeys;
    private readonly Lazy<C2paTrustAnchors> c2paAnchors;

    /// <summary>The trust configured in <paramref name="settings"/>.</summary>
    /// <param name="settings">The installation's settings (<see cref="EvidenceSettings.OpenPgpKeys"/>, <see cref="EvidenceSettings.C2paTrustAnchors"/>).</param>
    public ProvenanceTrust(EvidenceSettings settings)
    {
        openPgpKeys = new(() => OpenPgpKeys.Configured(settings.OpenPgpKeys));
        c2paAnchors = new(() => C2paTrustAnchors.Load(settings.C2paTrustAnchors));
    }

    /// <summary>The configured C2PA trust anchors.</summary>
    public C2paTrustAnchors C2paAnchors => c2paAnchors.Value;

    /// <summary>The configured (trusted) OpenPGP keys.</summary>
    public OpenPgpKeys OpenPgpKeys => openPgpKeys.Value;
}

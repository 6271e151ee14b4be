namespace Evidence.Domain;

public enum VictimStatus
{
    Deported,
    Located,
    Returned,
}

/// <summary>
/// A child victim, known everywhere by a pseudonym code (V-0001). The identity (name, date of birth, documents,
/// family contacts) is sealed with AES-GCM in <see cref="ProtectedIdentity"/> and opened only for roles allowed
/// it, each time as a custody event. A victim recorded in a case is seen only by that case's members (and by whoever
/// recorded it); one recorded without a case only by whoever recorded it.
/// </summary>
public sealed class Victim
{
    public required string Code { get; init; }
    public Guid? CaseId { get; init; }
    public int? AgeAtIncident { get; init; }
    public string? Sex { get; init; }
    public string? Origin { get; init; }
    public VictimStatus Status { get; init; }

    /// <summary>nonce (12 bytes) || ciphertext || tag (16 bytes); null when no identity was given.</summary>
    public byte[]? ProtectedIdentity { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public required string CreatedBy { get; init; }
}

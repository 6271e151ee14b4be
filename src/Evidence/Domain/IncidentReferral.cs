namespace Evidence.Domain;

/// <summary>
/// An investigator's decision to put an incident before a prosecutor's office. From then on that office's
/// prosecutors see the incident and its evidence and may request packages for it; other offices do not.
/// Never deleted.
/// </summary>
public sealed class IncidentReferral
{
    public Guid Id { get; init; }
    public Guid IncidentId { get; init; }
    public RecipientKind Office { get; init; }
    public DateTime ReferredAtUtc { get; init; }
    public required string ReferredBy { get; init; }
}

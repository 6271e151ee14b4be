namespace Evidence.Domain;

/// <summary>
/// An investigator who works a case. Investigators see the evidence and incidents of their cases (and what they
/// recorded themselves); the person who opens a case is its first member. Never deleted: a membership that ended
/// is still part of who could have seen what.
/// </summary>
public sealed class CaseMember
{
    public Guid CaseId { get; init; }
    public required string Member { get; init; }
    public DateTime AddedAtUtc { get; init; }
    public required string AddedBy { get; init; }
}

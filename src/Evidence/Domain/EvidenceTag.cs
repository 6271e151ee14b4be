namespace Evidence.Domain;

/// <summary>
/// Links an evidence item to an incident, a perpetrator and/or a victim, and to the elements of crimes it helps
/// prove ("8(2)(a)(vii)-1:1"). Never deleted: untagging marks it removed, by whom, when and why.
/// </summary>
public sealed class EvidenceTag
{
    public Guid Id { get; init; }
    public Guid EvidenceId { get; init; }
    public Guid? IncidentId { get; init; }
    public Guid? PerpetratorId { get; init; }
    public string? VictimCode { get; init; }
    public required List<string> Elements { get; init; }
    public string? Note { get; init; }
    public DateTime TaggedAtUtc { get; init; }
    public required string TaggedBy { get; init; }
    public DateTime? RemovedAtUtc { get; set; }
    public string? RemovedBy { get; set; }
    public string? RemovalReason { get; set; }
}

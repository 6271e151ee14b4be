namespace Evidence.Domain;

public enum PerpetratorKind
{
    Person,
    Unit,
    Organisation,
}

/// <summary>A person, a military unit or an organisation alleged to be responsible.</summary>
public sealed class Perpetrator
{
    public Guid Id { get; init; }
    public required string Name { get; init; }
    public PerpetratorKind Kind { get; init; }
    public string? Position { get; init; }
    public string? Affiliation { get; init; }
    public required List<string> Aliases { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public required string CreatedBy { get; init; }
}

public enum PerpetratorRelation
{
    /// <summary>The first commands the second (an officer a unit, a unit a sub-unit).</summary>
    Commands,
    /// <summary>The first belongs to the second (a person to a unit or an organisation).</summary>
    MemberOf,
}

/// <summary>A link between two perpetrators, which is how command responsibility is traced.</summary>
public sealed class PerpetratorLink
{
    public Guid Id { get; init; }
    public Guid FromId { get; init; }
    public PerpetratorRelation Relation { get; init; }
    public Guid ToId { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public required string CreatedBy { get; init; }
}

namespace Evidence.Domain;

/// <summary>What happened to the children, in the categories prosecutors and monitors use.</summary>
public enum IncidentKind
{
    /// <summary>Deportation to the Russian Federation or Belarus.</summary>
    Deportation,
    /// <summary>Transfer within occupied territory.</summary>
    Transfer,
    /// <summary>Placement in a "re-education" or "recreation" camp.</summary>
    Camp,
    /// <summary>Adoption or guardianship by Russian families.</summary>
    Adoption,
    /// <summary>Imposition of Russian citizenship.</summary>
    Citizenship,
    Filtration,
    Other,
}

/// <summary>
/// One event that evidence is organised around, with its legal qualification: the Rome Statute articles
/// (keys of the elements-of-crimes catalogue) it is charged under.
/// </summary>
public sealed class Incident
{
    public Guid Id { get; init; }
    public Guid? CaseId { get; init; }
    public required string Title { get; init; }
    public string? Description { get; init; }
    public IncidentKind Kind { get; init; }

    /// <summary>ISO 8601 date at the precision known ("2022-10", "2022-10-14").</summary>
    public required string PeriodFrom { get; init; }
    public string? PeriodTo { get; init; }

    /// <summary>The settlement or institution, as the investigator names it.</summary>
    public required string Place { get; init; }
    public string? Region { get; init; }
    public string? Country { get; init; }
    public double? Latitude { get; init; }
    public double? Longitude { get; init; }

    public int? ChildrenAffected { get; init; }
    public required List<string> Articles { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public required string CreatedBy { get; init; }
}

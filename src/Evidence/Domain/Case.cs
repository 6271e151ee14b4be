namespace Evidence.Domain;

/// <summary>An investigation file that evidence is collected into.</summary>
public sealed class Case
{
    public Guid Id { get; init; }
    public required string Title { get; init; }
    public DateTime CreatedAtUtc { get; init; }
    public required string CreatedBy { get; init; }
}

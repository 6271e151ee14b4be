using Evidence.Access;
using Evidence.Custody;
using Evidence.Data;
using Evidence.Domain;
using Evidence.Requests;
using Evidence.Text;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// Records a person, unit or organisation alleged to be responsible. The same name twice is allowed (names and
/// aliases collide in reality); the answer then lists the perpetrators already known by it.
/// </summary>
[AllowedRoles(Role.Investigator)]
public sealed record AddPerpetrator(
    string Name,
    PerpetratorKind Kind,
    string? Position = null,
    string? Affiliation = null,
    IReadOnlyList<string>? Aliases = null) : IRequest<AddedPerpetrator>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        IEnumerable<string?> problems =
        [
            Fields.Required("the name", Name, 300),
            Fields.Optional("the position", Position, 300),
            Fields.Optional("the affiliation", Affiliation, 300),
            .. (Aliases ?? []).Select(a => Fields.Required("an alias", a, 300)),
            Enum.IsDefined(Kind) ? null : $"the kind must be one of {string.Join(", ", Enum.GetNames<PerpetratorKind>())}.",
        ];
        return problems.OfType<string>();
    }
}

/// <summary>The new perpetrator's id, and the ids of others already recorded under the same name or alias.</summary>
public sealed record AddedPerpetrator(Guid Id, IReadOnlyList<Guid> SameName);

internal sealed class AddPerpetratorHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<AddPerpetrator, AddedPerpetrator>
{
    public async Task<AddedPerpetrator> Handle(AddPerpetrator request, CancellationToken cancellationToken)
    {
        var now = clock.GetUtcNow();
        var perpetrator = new Perpetrator
        {
            Id = Guid.CreateVersion7(now),
            Name = request.Name.Trim(),
            Kind = request.Kind,
            Position = Fields.Trimmed(request.Position),
            Affiliation = Fields.Trimmed(request.Affiliation),
            Aliases = (request.Aliases ?? []).Select(a => a.Trim()).Distinct(StringComparer.Ordinal).ToList(),
            CreatedAtUtc = now.UtcDateTime,
            CreatedBy = actor.Value.Name,
        };
        var names = perpetrator.Aliases.Append(perpetrator.Name).Select(n => n.ToUpperInvariant()).ToHashSet();
        var known = await db.Perpetrators.AsNoTracking().Select(p => new { p.Id, p.Name, p.Aliases }).ToListAsync(cancellationToken);
        var sameName = known.Where(p => p.Aliases.Append(p.Name).Any(n => names.Contains(n.ToUpperInvariant()))).Select(p => p.Id).ToList();
        db.Perpetrators.Add(perpetrator);
        unitOfWork.Record("PerpetratorAdded", null, null, Projections.Perpetrators.Details("PerpetratorAdded", perpetrator));
        return new AddedPerpetrator(perpetrator.Id, sameName);
    }
}

/// <summary>Links two perpetrators: the first commands, or is a member of, the second.</summary>
[AllowedRoles(Role.Investigator)]
public sealed record LinkPerpetrators(Guid From, PerpetratorRelation Relation, Guid To) : IRequest<Guid>, IValidatedRequest
{
    public IEnumerable<string> Validate()
    {
        if (From == To)
        {
            yield return "a perpetrator cannot be linked to itself.";
        }
        if (!Enum.IsDefined(Relation))
        {
            yield return $"the relation must be one of {string.Join(", ", Enum.GetNames<PerpetratorRelation>())}.";
        }
    }
}

internal sealed class LinkPerpetratorsHandler(EvidenceDbContext db, UnitOfWork unitOfWork, CurrentActor actor, TimeProvider clock)
    : IRequestHandler<LinkPerpetrators, Guid>
{
    public async Task<Guid> Handle(LinkPerpetrators request, CancellationToken cancellationToken)
    {
        foreach (var id in new[] { request.From, request.To })
        {
            if (!await db.Perpetrators.AnyAsync(p => p.Id == id, cancellationToken))
            {
                throw new NotFoundException($"There is no perpetrator {id}.");
            }
        }
        var now = clock.GetUtcNow();
        var link = new PerpetratorLink { Id = Guid.CreateVersion7(now), FromId = request.From, Relation = request.Relation, ToId = request.To, CreatedAtUtc = now.UtcDateTime, CreatedBy = actor.Value.Name };
        db.PerpetratorLinks.Add(link);
        unitOfWork.Record("PerpetratorsLinked", null, null, Projections.PerpetratorLinks.Details("PerpetratorsLinked", link));
        return link.Id;
    }
}

using Evidence.Access;
using Evidence.Data;
using Evidence.Requests;
using MediatR;
using Microsoft.EntityFrameworkCore;

namespace Evidence.Cases;

/// <summary>
/// What a prosecutor reads first: for an incident, every element of every article it is qualified under, with
/// the evidence tagged as supporting it. An element without evidence is a gap.
/// </summary>
[AllowedRoles(Role.Investigator, Role.Prosecutor)]
public sealed record GetElementsMatrix(Guid IncidentId) : IRequest<ElementsMatrix>;

public sealed record ElementsMatrix(Guid Incident, string Title, IReadOnlyList<ArticleRow> Articles)
{
    public int Gaps => Articles.Sum(a => a.Elements.Count(e => e.Evidence.Count == 0));

    /// <summary>The matrix of an incident from the elements its (live) tags say each item supports.</summary>
    public static ElementsMatrix For(Domain.Incident incident, IEnumerable<(Guid EvidenceId, IEnumerable<string> Elements)> tags)
    {
        var supporting = tags
            .SelectMany(t => t.Elements.Select(element => (element, t.EvidenceId)))
            .GroupBy(x => x.element, x => x.EvidenceId)
            .ToDictionary(g => g.Key, g => g.Distinct().Order().ToList());
        var articles = incident.Articles.Select(key => ElementsOfCrimes.Catalogue.Get(key)).Select(article => new ArticleRow(
            article.Key,
            article.Title,
            article.Elements.Select((text, i) => new ElementRow(i + 1, text, supporting.GetValueOrDefault($"{article.Key}:{i + 1}") ?? [])).ToList())).ToList();
        return new ElementsMatrix(incident.Id, incident.Title, articles);
    }
}

public sealed record ArticleRow(string Article, string Title, IReadOnlyList<ElementRow> Elements);

public sealed record ElementRow(int Number, string Text, IReadOnlyList<Guid> Evidence);

internal sealed class GetElementsMatrixHandler(EvidenceDbContext db, CurrentActor actor) : IRequestHandler<GetElementsMatrix, ElementsMatrix>
{
    public async Task<ElementsMatrix> Handle(GetElementsMatrix request, CancellationToken cancellationToken)
    {
        var incident = await Visibility.Incidents(db, actor.Value).AsNoTracking().SingleOrDefaultAsync(i => i.Id == request.IncidentId, cancellationToken)
            ?? throw new NotFoundException($"There is no incident {request.IncidentId}.");
        // Items the actor does not see (strictly confidential, outside their case) are neither named nor counted.
        var visible = Visibility.Evidence(db, actor.Value).Select(e => e.Id);
        var tags = await db.EvidenceTags.AsNoTracking()
            .Where(t => t.IncidentId == incident.Id && t.RemovedAtUtc == null && visible.Contains(t.EvidenceId))
            .Select(t => new { t.EvidenceId, t.Elements })
            .ToListAsync(cancellationToken);
        return ElementsMatrix.For(incident, tags.Select(t => (t.EvidenceId, (IEnumerable<string>)t.Elements)));
    }
}

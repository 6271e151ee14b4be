using Evidence.Cases;
using Evidence.Requests;
using Evidence.Tests.Fixtures;
using MediatR;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Evidence.Tests.Pipeline;

public sealed class UnitOfWorkTests
{
    /// <summary>
    /// A web request is one scope and a page may send several requests in it (tag, then reload the item): each
    /// custody event must be appended once, by the request that recorded it.
    /// </summary>
    [Fact]
    public async Task SeveralRequestsInOneScope_EachEventIsAppendedOnce()
    {
        await using var slice = await Slice.StartAsync();
        await using (var scope = slice.Services.CreateAsyncScope())
        {
            scope.ServiceProvider.GetRequiredService<CurrentActor>().Value = new Actor("olena", Role.Investigator);
            var mediator = scope.ServiceProvider.GetRequiredService<IMediator>();
            await mediator.Send(new CreateCase("First case"));
            await mediator.Send(new CreateCase("Second case"));
            await mediator.Send(new ListIncidents());
        }

        var actions = await slice.QueryAsync(db => db.CustodyEvents.OrderBy(e => e.Sequence).Select(e => e.Action).ToListAsync());

        Assert.Equal(["CaseOpened", "CaseOpened"], actions);
    }
}

"""In-person circles recorded in a debate (issue 17, first step): a facilitator records a
circle held in a room (its date, a coarse place, attendance and the show of hands on the
motion at the start and the end, per community); a second facilitator or mediator who was
there confirms it before anyone else sees it; the public moderation log lists both.

- models.py: Circle and its counts;
- services.py: record, confirm, what the public sees;
- views.py: the list of circles, the entry form, the confirmation.
"""

"""Seed debates for `deliberate seed`, written for this project from the facts of the essay
"Is it time for the UN to help Malians talk to JNIM?" (see README: Seed content)."""

#: Demo accounts that author the seed. Keys are used below; pseudonyms are shown publicly.
DEMO_USERS = {
    "amina": "Demo · Amina",
    "moussa": "Demo · Moussa",
    "awa": "Demo · Awa",
    "hamadoun": "Demo · Hamadoun",
    "ogobara": "Demo · Ogobara",
    "fadimata": "Demo · Fadimata",
    "intalla": "Demo · Intalla",
    "mariam": "Demo · Mariam",
    "alassane": "Demo · Alassane",
    "fatoumata": "Demo · Fatoumata",
    "aissata": "Demo · Aissata",
    "claire": "Demo · Claire",
    "kwame": "Demo · Kwame",
    "johan": "Demo · Johan",
}

DEBATES = [
    # ------------------------------------------------------------------
    # Main debate
    # ------------------------------------------------------------------
    {
        "slug": "un-talks-mali-jnim",
        "motion": "Should the UN support talks between the Malian government and JNIM?",
        "background": (
            "Armed groups have fought in northern and central Mali for years. France led "
            "Operation Barkhane against them from 2014, but by early 2022 it had closed its "
            "bases in Timbuktu, Kidal and Tessalit, and in late January 2022 it said it would "
            "reevaluate its counterterrorism role in the country. The UN mission, "
            "[MINUSMA](https://en.wikipedia.org/wiki/MINUSMA), has been present since 2013; "
            "its current mandate runs to June 2022.\n\n"
            "**JNIM** (Jama'at Nasr al-Islam wal Muslimin) is an al-Qaeda-linked alliance "
            "formed in 2017 by Ansar Dine, the Macina Liberation Front, Al-Mourabitoun and "
            "AQIM. Its leaders include Iyad Ag Ghaly and Amadou Kouffa. JNIM has said it is "
            "open to dialogue, and a Malian national conference in 2017 backed talks with "
            "its leadership.\n\n"
            "Mali is governed by a transitional authority under Colonel Assimi Goïta, which "
            "took power in a 2021 coup and announced in December 2021 that elections would "
            "be delayed; the EU and ECOWAS responded with sanctions.\n\n"
            "Supporters of UN-backed talks point to the limits of military force and to "
            "local agreements that have reduced violence. Opponents raise the risk of more "
            "violence in the short term, the rights of women and minorities, and the "
            "question of whether an armed group linked to al-Qaeda should gain a seat at "
            "the table."
        ),
        "organiser": "amina",
        "positions": {
            "amina": ("undecided", "for"),
            "moussa": ("for", "for"),
            "awa": ("for", "for"),
            "hamadoun": ("for", "for"),
            "ogobara": ("undecided", "for"),
            "fadimata": ("undecided", None),
            "intalla": ("for", "for"),
            "mariam": ("undecided", "for"),
            "alassane": ("against", "against"),
            "fatoumata": ("against", "undecided"),
            "aissata": ("undecided", "against"),
            "claire": ("against", "against"),
            "kwame": ("undecided", "for"),
            "johan": ("undecided", None),
        },
        "arguments": [
            # ---------------- PRO 1: Barkhane ----------------
            {
                "key": "barkhane-failed",
                "stance": "pro",
                "author": "moussa",
                "body": (
                    "The purely military route has had its chance. Operation Barkhane ran "
                    "from 2014, yet 2021 still brought a coup in Mali and a record number "
                    "of terrorist attacks in the country, and France has now closed its "
                    "bases in Timbuktu, Kidal and Tessalit. Supporting talks is not a "
                    "reward for anyone; it is the obvious next step when force has not "
                    "delivered security."
                ),
                "votes": {
                    "awa": "agree",
                    "hamadoun": "agree",
                    "intalla": "agree",
                    "ogobara": "agree",
                    "claire": "disagree",
                    "alassane": "disagree",
                    "kwame": "agree",
                },
                "replies": [
                    {
                        "key": "barkhane-other-options",
                        "stance": "con",
                        "author": "claire",
                        "body": (
                            "Barkhane's failure shows that *one strategy* failed, not that "
                            "negotiation will work. The space it leaves could also be filled "
                            "by better-led Malian forces or a serious push on governance. "
                            "Going straight from a failed campaign to talks with JNIM skips "
                            "over other options."
                        ),
                        "votes": {
                            "alassane": "agree",
                            "johan": "agree",
                            "moussa": "disagree",
                            "hamadoun": "disagree",
                            "fatoumata": "agree",
                        },
                        "replies": [
                            {
                                "key": "governance-was-postponed",
                                "stance": "con",
                                "author": "hamadoun",
                                "body": (
                                    "Governance was never really tried. In February 2021 "
                                    "President Macron said it could only be dealt with once "
                                    "the terrorist groups were beaten, and money for it stayed "
                                    "small next to the military budget. If governance has to "
                                    "wait for calm, a negotiated settlement may be the only "
                                    "realistic way to get that calm."
                                ),
                                "votes": {
                                    "moussa": "agree",
                                    "intalla": "agree",
                                    "mariam": "agree",
                                    "claire": "disagree",
                                    "johan": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "governance-in-calm-areas",
                                        "stance": "con",
                                        "author": "johan",
                                        "body": (
                                            "That quote describes French priorities, not Malian "
                                            "ones. Malian officials and their partners could "
                                            "strengthen local administration in areas that are "
                                            "already calm without first waiting for a deal with "
                                            "JNIM."
                                        ),
                                        "votes": {
                                            "claire": "agree",
                                            "alassane": "agree",
                                            "hamadoun": "disagree",
                                            "ogobara": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "decapitation-backfired",
                        "stance": "pro",
                        "author": "intalla",
                        "body": (
                            "The method itself made things worse. Campaigns that targeted "
                            "leaders set off competition among their successors and left "
                            "behind groups that were more violent than before. More of the "
                            "same, under any flag, is likely to repeat that pattern."
                        ),
                        "votes": {
                            "moussa": "agree",
                            "hamadoun": "agree",
                            "fadimata": "agree",
                            "claire": "disagree",
                            "kwame": "agree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- PRO 2: what Malians asked for ----------------
            {
                "key": "malians-asked",
                "stance": "pro",
                "author": "awa",
                "body": (
                    "Malians have already said they want this. The national conference "
                    "held in 2017 backed talks with JNIM's leaders, Iyad Ag Ghaly and "
                    "Amadou Kouffa. UN support would help carry out a choice Malians made "
                    "themselves, which is the opposite of a solution imposed from outside."
                ),
                "votes": {
                    "moussa": "agree",
                    "ogobara": "agree",
                    "mariam": "agree",
                    "fatoumata": "disagree",
                    "claire": "disagree",
                    "intalla": "agree",
                },
                "replies": [
                    {
                        "key": "conference-is-dated",
                        "stance": "con",
                        "author": "fatoumata",
                        "body": (
                            "That conference took place in 2017, before the 2021 coup and "
                            "before years of further attacks. Views may have changed since, "
                            "and one national meeting is not the same as consent from the "
                            "communities that have suffered most. Malians should be asked "
                            "again before anyone claims a mandate for talks."
                        ),
                        "votes": {
                            "aissata": "agree",
                            "alassane": "agree",
                            "johan": "agree",
                            "awa": "disagree",
                            "moussa": "disagree",
                        },
                        "replies": [
                            {
                                "key": "consultation-is-groundwork",
                                "stance": "con",
                                "author": "alassane",
                                "body": (
                                    "I share the wish for a fresh consultation, but that is "
                                    "an argument about how to prepare talks, not against "
                                    "them. The UN could fund exactly that kind of public "
                                    "debate, led by civil society and religious leaders, as "
                                    "part of the groundwork."
                                ),
                                "votes": {
                                    "awa": "agree",
                                    "mariam": "agree",
                                    "amina": "agree",
                                    "fatoumata": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "debates-on-islam",
                                        "stance": "pro",
                                        "author": "mariam",
                                        "body": (
                                            "Those debates would also show both sides where "
                                            "Malians stand on the role of Islam in government, "
                                            "which is likely to be the hardest question at the "
                                            "table. Without that knowledge, the terms would be "
                                            "left to armed men and officials alone."
                                        ),
                                        "votes": {
                                            "fadimata": "agree",
                                            "aissata": "agree",
                                            "alassane": "agree",
                                            "claire": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "jnim-says-willing",
                        "stance": "pro",
                        "author": "hamadoun",
                        "body": (
                            "It also matters that JNIM has said publicly that it is willing "
                            "to talk. When both the public and the armed group signal "
                            "openness, what is usually missing is a credible process, and "
                            "that is where outside support can help."
                        ),
                        "votes": {
                            "awa": "agree",
                            "kwame": "agree",
                            "claire": "disagree",
                        },
                        "replies": [
                            {
                                "key": "words-are-cheap",
                                "stance": "con",
                                "author": "claire",
                                "body": (
                                    "A statement of willingness costs an armed group nothing. "
                                    "It can be a way to buy time, gain standing or divide its "
                                    "opponents. Support for talks should depend on concrete "
                                    "signs, such as a drop in attacks, rather than words."
                                ),
                                "votes": {
                                    "johan": "agree",
                                    "aissata": "agree",
                                    "hamadoun": "disagree",
                                    "intalla": "disagree",
                                    "mariam": "agree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            # ---------------- PRO 3: community agreements ----------------
            {
                "key": "community-deals-work",
                "stance": "pro",
                "author": "ogobara",
                "body": (
                    "Local agreements have a record to show. In 2021 the Community "
                    "Association Monobèm mediated three agreements between Fulani and Dogon "
                    "communities, and in the Kidal region agreements between Tuareg "
                    "communities and Ansar Dine brought violence down. A national process "
                    "can build on what has already worked on the ground."
                ),
                "votes": {
                    "hamadoun": "agree",
                    "amina": "agree",
                    "fadimata": "agree",
                    "intalla": "agree",
                    "johan": "disagree",
                    "alassane": "disagree",
                    "mariam": "agree",
                    "kwame": "agree",
                },
                "replies": [
                    {
                        "key": "local-is-not-national",
                        "stance": "con",
                        "author": "johan",
                        "body": (
                            "Local pacts and a national negotiation are different things. A "
                            "village agreement settles access to land, water and cycles of "
                            "revenge between neighbours; a deal with JNIM would have to "
                            "settle questions of law, territory and the shape of the state. "
                            "Success at one level does not promise success at the other."
                        ),
                        "votes": {
                            "claire": "agree",
                            "alassane": "agree",
                            "aissata": "agree",
                            "ogobara": "disagree",
                            "amina": "disagree",
                        },
                        "replies": [
                            {
                                "key": "kidal-shows-the-link",
                                "stance": "con",
                                "author": "intalla",
                                "body": (
                                    "The two levels are linked. In Kidal, one party to the "
                                    "local agreements was Ansar Dine, which later became part "
                                    "of JNIM. The people who would sit at a national table "
                                    "have already shown, locally, that they can make a deal "
                                    "and keep it."
                                ),
                                "votes": {
                                    "ogobara": "agree",
                                    "hamadoun": "agree",
                                    "moussa": "agree",
                                    "johan": "disagree",
                                    "claire": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "local-interest-differs",
                                        "stance": "con",
                                        "author": "claire",
                                        "body": (
                                            "Keeping a local deal when it suits you is not the "
                                            "same as accepting the Malian state. Ansar Dine had "
                                            "its own reasons to settle in Kidal; a national "
                                            "settlement would ask JNIM to give up far more."
                                        ),
                                        "votes": {
                                            "johan": "agree",
                                            "alassane": "agree",
                                            "intalla": "disagree",
                                            "mariam": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "monobem-shows-how",
                        "stance": "pro",
                        "author": "amina",
                        "body": (
                            "These agreements also show *how* to do it: mediators from the "
                            "communities themselves, with outsiders supplying resources "
                            "rather than terms. The UN could pay for mediators and ceasefire "
                            "supervisors without steering the outcome."
                        ),
                        "votes": {
                            "ogobara": "agree",
                            "fadimata": "agree",
                            "kwame": "agree",
                            "fatoumata": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- PRO 4: tools for the state ----------------
            {
                "key": "tools-for-the-state",
                "stance": "pro",
                "author": "kwame",
                "body": (
                    "UN support does not mean the UN negotiates on Mali's behalf. It can "
                    "give the government practical means it currently lacks:\n\n"
                    "- a neutral mediator\n"
                    "- trained negotiating teams\n"
                    "- digital platforms and reliable ways to communicate\n"
                    "- funding to hold conferences\n\n"
                    "With these, the government would come to the table on an equal "
                    "footing and with international backing."
                ),
                "votes": {
                    "amina": "agree",
                    "moussa": "agree",
                    "mariam": "agree",
                    "fatoumata": "disagree",
                    "claire": "disagree",
                    "awa": "agree",
                },
                "replies": [
                    {
                        "key": "un-not-neutral",
                        "stance": "con",
                        "author": "claire",
                        "body": (
                            "A neutral mediator is hard to find under a UN banner when the "
                            "mission has spent much of its security effort protecting the "
                            "Malian army. JNIM may not see tools supplied by the UN as "
                            "even-handed, and may treat the whole process with suspicion."
                        ),
                        "votes": {
                            "johan": "agree",
                            "alassane": "agree",
                            "intalla": "agree",
                            "kwame": "disagree",
                        },
                        "replies": [
                            {
                                "key": "african-mediator-instead",
                                "stance": "con",
                                "author": "kwame",
                                "body": (
                                    "That is why the mediator need not be the mission itself. "
                                    "The UN can fund and train while a third party such as "
                                    "ECOWAS or the African Union holds the mediator's chair. "
                                    "An African body would also still be there when the UN "
                                    "mandate ends."
                                ),
                                "votes": {
                                    "amina": "agree",
                                    "mariam": "agree",
                                    "hamadoun": "agree",
                                    "fatoumata": "disagree",
                                    "claire": "disagree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            # ---------------- PRO 5: protection of civilians ----------------
            {
                "key": "protect-civilians",
                "stance": "pro",
                "author": "mariam",
                "body": (
                    "Protecting civilians is MINUSMA's first priority, and the mission "
                    "cannot do that by force across the whole country. It has already had "
                    "to limit its presence in central regions such as Mopti and Ségou. A "
                    "negotiated reduction in violence could protect people whom patrols "
                    "will never reach."
                ),
                "votes": {
                    "amina": "agree",
                    "ogobara": "agree",
                    "hamadoun": "agree",
                    "alassane": "disagree",
                    "aissata": "disagree",
                },
                "replies": [
                    {
                        "key": "deal-is-a-hope",
                        "stance": "con",
                        "author": "alassane",
                        "body": (
                            "A negotiated drop in violence is a hope; a shift of resources "
                            "away from security is immediate. If the mission steps back "
                            "before any agreement exists, people in Mopti and Ségou could be "
                            "the first to feel the gap."
                        ),
                        "votes": {
                            "fatoumata": "agree",
                            "claire": "agree",
                            "mariam": "disagree",
                            "johan": "agree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- CON 1: short-term violence ----------------
            {
                "key": "short-term-violence",
                "stance": "con",
                "author": "alassane",
                "body": (
                    "Pulling back from military operations to make room for talks could "
                    "bring more violence in the short term. Armed groups may test the new "
                    "situation, and civilians in areas with few troops would pay the price. "
                    "A process that opens with a wave of attacks may lose public support "
                    "before it achieves anything."
                ),
                "votes": {
                    "claire": "agree",
                    "fatoumata": "agree",
                    "aissata": "agree",
                    "johan": "agree",
                    "amina": "disagree",
                    "moussa": "disagree",
                    "mariam": "agree",
                },
                "replies": [
                    {
                        "key": "status-quo-not-safe",
                        "stance": "con",
                        "author": "amina",
                        "body": (
                            "The risk is real, but the present approach is not keeping people "
                            "safe either: 2021 saw a record number of attacks in Mali. If "
                            "talks come with mediators, ceasefire supervisors and state "
                            "support, a risky period could lead to a more lasting peace."
                        ),
                        "votes": {
                            "moussa": "agree",
                            "awa": "agree",
                            "ogobara": "agree",
                            "alassane": "disagree",
                            "johan": "disagree",
                        },
                        "replies": [
                            {
                                "key": "no-ceasefire-yet",
                                "stance": "con",
                                "author": "johan",
                                "body": (
                                    "Ceasefire supervisors only help when there is a "
                                    "ceasefire to supervise. Until JNIM agrees to one, they "
                                    "have nothing to monitor, and the gap in protection "
                                    "remains."
                                ),
                                "votes": {
                                    "alassane": "agree",
                                    "claire": "agree",
                                    "amina": "disagree",
                                    "ogobara": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "local-ceasefires-exist",
                                        "stance": "con",
                                        "author": "ogobara",
                                        "body": (
                                            "There are already local ceasefires to watch over. "
                                            "The three Fulani-Dogon agreements of 2021 are "
                                            "exactly the kind of arrangement supervisors could "
                                            "help hold while the larger talks get going."
                                        ),
                                        "votes": {
                                            "amina": "agree",
                                            "hamadoun": "agree",
                                            "fadimata": "agree",
                                            "johan": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "cost-falls-on-victims",
                        "stance": "pro",
                        "author": "fatoumata",
                        "body": (
                            "The short-term cost would fall on people who have already lost "
                            "the most. A rise in attacks would also give hardliners on every "
                            "side a reason to walk away from talks."
                        ),
                        "votes": {
                            "aissata": "agree",
                            "claire": "agree",
                            "moussa": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- CON 2: women and minorities ----------------
            {
                "key": "women-and-minorities",
                "stance": "con",
                "author": "aissata",
                "body": (
                    "A deal with JNIM could come at the expense of Malian women and "
                    "minorities. A group that wants its reading of Shariah to shape law and "
                    "schooling may ask for concessions that narrow their rights. That would "
                    "run against MINUSMA's own mandate, so the UN should not sponsor it."
                ),
                "votes": {
                    "fatoumata": "agree",
                    "claire": "agree",
                    "fadimata": "agree",
                    "johan": "agree",
                    "intalla": "disagree",
                    "hamadoun": "disagree",
                    "mariam": "agree",
                },
                "replies": [
                    {
                        "key": "jnim-has-compromised",
                        "stance": "con",
                        "author": "intalla",
                        "body": (
                            "JNIM has shown some flexibility in practice. In areas it "
                            "controls it has reached compromises with communities over "
                            "Shariah and education, and villagers in Kidal were allowed to "
                            "elect their own qadis. That guarantees nothing, but it suggests "
                            "the terms can be negotiated rather than simply imposed."
                        ),
                        "votes": {
                            "hamadoun": "agree",
                            "moussa": "agree",
                            "aissata": "disagree",
                            "claire": "disagree",
                            "fadimata": "disagree",
                        },
                        "replies": [
                            {
                                "key": "qadis-are-not-rights",
                                "stance": "con",
                                "author": "claire",
                                "body": (
                                    "Choosing your own qadi still means living under a "
                                    "religious court. Those examples show that communities "
                                    "could influence *who* applies the rules, not whether "
                                    "women keep an equal standing under them."
                                ),
                                "votes": {
                                    "aissata": "agree",
                                    "fatoumata": "agree",
                                    "intalla": "disagree",
                                    "johan": "agree",
                                },
                                "replies": [
                                    {
                                        "key": "red-lines-at-the-table",
                                        "stance": "con",
                                        "author": "hamadoun",
                                        "body": (
                                            "Many Malian communities already turn to religious "
                                            "and customary figures to settle disputes, so a "
                                            "qadi is not automatically a step backwards. The "
                                            "real test is which red lines the government holds "
                                            "in talks, and UN support can help it hold them."
                                        ),
                                        "votes": {
                                            "intalla": "agree",
                                            "mariam": "agree",
                                            "aissata": "disagree",
                                            "claire": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "women-not-at-table",
                        "stance": "pro",
                        "author": "fadimata",
                        "body": (
                            "Women and minority communities are also rarely at the table in "
                            "talks like these. When a process is run between armed men and "
                            "officials, their interests are easy to trade away."
                        ),
                        "votes": {
                            "aissata": "agree",
                            "fatoumata": "agree",
                            "mariam": "agree",
                            "awa": "agree",
                        },
                        "replies": [
                            {
                                "key": "design-the-process",
                                "stance": "con",
                                "author": "amina",
                                "body": (
                                    "That argues for designing the process well, not for "
                                    "refusing it. Public debates led by civil society and "
                                    "religious leaders, which the UN could fund, are one way "
                                    "to bring those voices in before any terms are set."
                                ),
                                "votes": {
                                    "awa": "agree",
                                    "mariam": "agree",
                                    "fadimata": "disagree",
                                    "kwame": "agree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            # ---------------- CON 3: legitimacy ----------------
            {
                "key": "rewarding-violence",
                "stance": "con",
                "author": "claire",
                "body": (
                    "JNIM is linked to al-Qaeda and has attacked soldiers and civilians. UN "
                    "backing for talks would give an armed group international standing "
                    "and tell others that violence earns a seat at the table. The UN should "
                    "not be seen to reward that."
                ),
                "votes": {
                    "johan": "agree",
                    "alassane": "agree",
                    "aissata": "agree",
                    "moussa": "disagree",
                    "intalla": "disagree",
                    "kwame": "disagree",
                },
                "replies": [
                    {
                        "key": "talks-not-endorsement",
                        "stance": "con",
                        "author": "moussa",
                        "body": (
                            "Talking is not endorsing. Malians asked for these talks in "
                            "2017, and the government would negotiate for itself; the UN's "
                            "role would be to support a process, not to praise the other "
                            "side. Refusing to talk has not made JNIM any weaker."
                        ),
                        "votes": {
                            "awa": "agree",
                            "hamadoun": "agree",
                            "claire": "disagree",
                            "ogobara": "agree",
                        },
                        "replies": [
                            {
                                "key": "perception-matters",
                                "stance": "con",
                                "author": "kwame",
                                "body": (
                                    "Intentions do not control how things look. Once the UN is "
                                    "seen to convene or fund talks, the group gains recognition "
                                    "whatever the official wording says. That is a real cost, "
                                    "even if it proves worth paying."
                                ),
                                "votes": {
                                    "claire": "agree",
                                    "johan": "agree",
                                    "moussa": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "malian-led-recognition",
                                        "stance": "con",
                                        "author": "intalla",
                                        "body": (
                                            "That cost shrinks when the talks are led by "
                                            "Malians and mediated by an African body. "
                                            "Recognition then comes from Malians choosing to "
                                            "talk, not from an outside power granting it."
                                        ),
                                        "votes": {
                                            "moussa": "agree",
                                            "kwame": "agree",
                                            "claire": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "alliance-may-split",
                        "stance": "pro",
                        "author": "johan",
                        "body": (
                            "JNIM is an alliance of several groups, AQIM among them. Even if "
                            "part of it accepts a deal, other parts may not, and the UN could "
                            "end up backing a settlement that only some fighters respect."
                        ),
                        "votes": {
                            "claire": "agree",
                            "alassane": "agree",
                            "hamadoun": "disagree",
                            "mariam": "agree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- CON 4: Algiers accords ----------------
            {
                "key": "build-on-algiers",
                "stance": "con",
                "author": "johan",
                "body": (
                    "Mali already has a peace framework in the 2015 Algiers accords. Opening "
                    "a separate track with JNIM risks weakening that agreement and those "
                    "who signed it. The UN should push to implement what already exists "
                    "before sponsoring new talks."
                ),
                "votes": {
                    "claire": "agree",
                    "alassane": "agree",
                    "intalla": "disagree",
                    "ogobara": "disagree",
                    "fatoumata": "agree",
                },
                "replies": [
                    {
                        "key": "algiers-unpopular",
                        "stance": "con",
                        "author": "intalla",
                        "body": (
                            "The Algiers accords are widely unpopular in Mali and are seen as "
                            "something the international community pressed on Malians. "
                            "Building a new process on that base would carry its weaknesses "
                            "forward. The agreements that have actually reduced violence "
                            "were made by communities themselves."
                        ),
                        "votes": {
                            "ogobara": "agree",
                            "moussa": "agree",
                            "awa": "agree",
                            "johan": "disagree",
                            "kwame": "agree",
                        },
                        "replies": [
                            {
                                "key": "dont-discard-deals",
                                "stance": "con",
                                "author": "mariam",
                                "body": (
                                    "Unpopular is not the same as useless. Parts of the "
                                    "accords could still serve, and setting aside a signed "
                                    "agreement tells everyone that deals in Mali are "
                                    "temporary, including any future deal with JNIM."
                                ),
                                "votes": {
                                    "johan": "agree",
                                    "claire": "agree",
                                    "intalla": "disagree",
                                    "awa": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "shift-the-centre",
                                        "stance": "con",
                                        "author": "awa",
                                        "body": (
                                            "Nobody is proposing to tear it up. The point is "
                                            "that new talks should not be *centred* on a text "
                                            "many Malians feel was never theirs. Keeping what "
                                            "works while moving the focus to Malian-led "
                                            "dialogue is not the same as abandoning it."
                                        ),
                                        "votes": {
                                            "intalla": "agree",
                                            "moussa": "agree",
                                            "mariam": "disagree",
                                            "kwame": "agree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "jnim-outside-algiers",
                        "stance": "pro",
                        "author": "fatoumata",
                        "body": (
                            "JNIM was formed two years after the accords and was never part of "
                            "them. A separate track for it could leave the groups that did "
                            "sign feeling that staying outside the process paid better than "
                            "joining it."
                        ),
                        "votes": {
                            "johan": "agree",
                            "alassane": "agree",
                            "hamadoun": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- CON 5: the transitional government ----------------
            {
                "key": "wait-for-elections",
                "stance": "con",
                "author": "fatoumata",
                "body": (
                    "The government that would negotiate is a transitional one, led by "
                    "Colonel Assimi Goïta after the 2021 coup, and in December 2021 it "
                    "announced that elections would be delayed. The EU and ECOWAS answered "
                    "with sanctions. A settlement this important should be made by an "
                    "elected government, so the UN should wait."
                ),
                "votes": {
                    "aissata": "agree",
                    "claire": "agree",
                    "johan": "agree",
                    "awa": "disagree",
                    "kwame": "disagree",
                    "alassane": "agree",
                },
                "replies": [
                    {
                        "key": "insecurity-as-excuse",
                        "stance": "con",
                        "author": "awa",
                        "body": (
                            "Waiting for elections could mean waiting a long time, because "
                            "insecurity is the very reason given for the delay. Dialogue that "
                            "brings some stability would make that reason much harder to "
                            "use."
                        ),
                        "votes": {
                            "kwame": "agree",
                            "moussa": "agree",
                            "mariam": "agree",
                            "fatoumata": "disagree",
                        },
                        "replies": [
                            {
                                "key": "talks-as-new-excuse",
                                "stance": "con",
                                "author": "johan",
                                "body": (
                                    "That assumes the authorities want the excuse taken away. "
                                    "A government comfortable in power could just as easily "
                                    "drag out the talks and cite *them* as the next reason to "
                                    "postpone a vote."
                                ),
                                "votes": {
                                    "fatoumata": "agree",
                                    "claire": "agree",
                                    "awa": "disagree",
                                },
                                "replies": [
                                    {
                                        "key": "keep-the-pressure",
                                        "stance": "con",
                                        "author": "mariam",
                                        "body": (
                                            "That risk can be managed. The EU and ECOWAS "
                                            "already apply sanctions over the delay, and "
                                            "support for talks can sit alongside that pressure "
                                            "rather than replace it."
                                        ),
                                        "votes": {
                                            "awa": "agree",
                                            "kwame": "agree",
                                            "johan": "disagree",
                                            "fatoumata": "disagree",
                                        },
                                        "replies": [],
                                    },
                                ],
                            },
                        ],
                    },
                    {
                        "key": "junta-deal-disowned",
                        "stance": "pro",
                        "author": "claire",
                        "body": (
                            "There is also the question of durability. A deal signed by an "
                            "unelected leadership could later be disowned as the junta's "
                            "bargain, leaving nothing lasting behind."
                        ),
                        "votes": {
                            "fatoumata": "agree",
                            "aissata": "agree",
                            "moussa": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
            # ---------------- CON 6: is MINUSMA the right sponsor ----------------
            {
                "key": "minusma-lacks-trust",
                "stance": "con",
                "author": "kwame",
                "body": (
                    "The UN is poorly placed to sponsor these talks. MINUSMA has spent most "
                    "of its security effort on fortifying its bases and protecting the "
                    "Malian army, which has hurt its standing with the population. Talks "
                    "backed by a mission many Malians distrust may start out discredited."
                ),
                "votes": {
                    "intalla": "agree",
                    "alassane": "agree",
                    "fadimata": "agree",
                    "amina": "disagree",
                    "mariam": "disagree",
                },
                "replies": [
                    {
                        "key": "change-the-mission",
                        "stance": "con",
                        "author": "amina",
                        "body": (
                            "That is a reason to change how the mission works, not to keep it "
                            "out of the peace process. Moving resources from guarding bases to "
                            "supporting dialogue is one of the few ways it could win back "
                            "trust."
                        ),
                        "votes": {
                            "mariam": "agree",
                            "ogobara": "agree",
                            "kwame": "disagree",
                            "awa": "agree",
                        },
                        "replies": [],
                    },
                    {
                        "key": "mandate-too-short",
                        "stance": "pro",
                        "author": "alassane",
                        "body": (
                            "The calendar matters too. The mandate currently runs only to June "
                            "2022, and a sponsor that may be gone within months makes a weak "
                            "guarantor for any agreement."
                        ),
                        "votes": {
                            "claire": "agree",
                            "johan": "agree",
                            "kwame": "agree",
                        },
                        "replies": [
                            {
                                "key": "extension-or-handover",
                                "stance": "con",
                                "author": "mariam",
                                "body": (
                                    "The mandate may well be extended, and if it is not, a "
                                    "regional partner such as ECOWAS or the African Union can "
                                    "carry the process on. A short mandate argues for a "
                                    "handover plan, not for doing nothing."
                                ),
                                "votes": {
                                    "kwame": "agree",
                                    "amina": "agree",
                                    "alassane": "disagree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
        ],
    },
    # ------------------------------------------------------------------
    # Related debate: MINUSMA's resources
    # ------------------------------------------------------------------
    {
        "slug": "minusma-from-bases-to-mediation",
        "motion": "Should MINUSMA shift its resources from protecting bases to supporting mediation?",
        "background": (
            "[MINUSMA](https://en.wikipedia.org/wiki/MINUSMA), the UN stabilization mission "
            "in Mali, has operated since 2013 with a mandate covering stabilization, "
            "reconciliation and the political process; that mandate now runs to June 2022. The mission "
            "does not have the resources to protect civilians everywhere and has limited its "
            "presence in central regions such as Mopti and Ségou, while most of its security "
            "resources go to strengthening its own bases and guarding the Malian army.\n\n"
            "One proposal is to move resources towards mediation: funding mediators and "
            "ceasefire supervisors, backing community efforts such as the Community "
            "Association Monobèm, and preparing for a possible dialogue with JNIM. Critics "
            "worry about the safety of the mission and about leaving civilians with less "
            "protection in the short term."
        ),
        "organiser": "mariam",
        "positions": {
            "amina": ("for", "for"),
            "moussa": ("for", "for"),
            "awa": ("undecided", "for"),
            "hamadoun": ("for", "for"),
            "ogobara": ("for", "for"),
            "fadimata": ("undecided", "undecided"),
            "intalla": ("for", None),
            "mariam": ("undecided", "for"),
            "alassane": ("against", "against"),
            "fatoumata": ("undecided", "against"),
            "aissata": ("undecided", None),
            "claire": ("against", "undecided"),
            "kwame": ("for", "for"),
            "johan": ("against", "against"),
        },
        "arguments": [
            {
                "key": "civilians-first",
                "stance": "pro",
                "author": "amina",
                "body": (
                    "Protecting civilians is the mission's main task, yet most of its "
                    "security effort goes to guarding its own walls and the Malian army. "
                    "That has also cost it trust among Malians. Paying for mediators and "
                    "ceasefire supervisors would put more of its resources where "
                    "civilians actually live."
                ),
                "votes": {
                    "ogobara": "agree",
                    "hamadoun": "agree",
                    "mariam": "agree",
                    "alassane": "disagree",
                    "johan": "disagree",
                    "kwame": "agree",
                },
                "replies": [
                    {
                        "key": "bases-are-the-platform",
                        "stance": "con",
                        "author": "alassane",
                        "body": (
                            "Bases are the platform for everything else the mission does, "
                            "including any mediation work. Weakening their protection could "
                            "expose staff to attacks and force the mission to shrink even "
                            "further."
                        ),
                        "votes": {
                            "johan": "agree",
                            "claire": "agree",
                            "amina": "disagree",
                        },
                        "replies": [
                            {
                                "key": "balance-not-abandon",
                                "stance": "con",
                                "author": "ogobara",
                                "body": (
                                    "No one suggests leaving bases undefended. The question "
                                    "is balance: a mission that spends *most* of its security "
                                    "effort on itself has lost sight of why it is there."
                                ),
                                "votes": {
                                    "amina": "agree",
                                    "mariam": "agree",
                                    "alassane": "disagree",
                                    "fadimata": "agree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            {
                "key": "fund-local-mediators",
                "stance": "pro",
                "author": "ogobara",
                "body": (
                    "Groups like the Community Association Monobèm have already done the "
                    "hardest part, brokering three Fulani-Dogon agreements in 2021. What "
                    "such efforts often lack is:\n\n"
                    "- money to keep going\n"
                    "- trained mediators\n"
                    "- people to watch over ceasefires\n\n"
                    "The mission could supply exactly these."
                ),
                "votes": {
                    "amina": "agree",
                    "hamadoun": "agree",
                    "fadimata": "agree",
                    "johan": "disagree",
                    "moussa": "agree",
                },
                "replies": [
                    {
                        "key": "money-changes-mediation",
                        "stance": "con",
                        "author": "johan",
                        "body": (
                            "Outside money can change local mediation. Once a UN budget is "
                            "involved, community mediators may be seen as the mission's "
                            "agents, and their reputation for neutrality could suffer."
                        ),
                        "votes": {
                            "claire": "agree",
                            "fatoumata": "agree",
                            "ogobara": "disagree",
                        },
                        "replies": [
                            {
                                "key": "support-without-steering",
                                "stance": "con",
                                "author": "amina",
                                "body": (
                                    "That is why the support should come with restraint: "
                                    "fund and supply, but leave the terms to the communities. "
                                    "The mission can act as a guarantor of security and "
                                    "dialogue without writing the agreements itself."
                                ),
                                "votes": {
                                    "ogobara": "agree",
                                    "mariam": "agree",
                                    "johan": "disagree",
                                    "kwame": "agree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            {
                "key": "thin-on-the-ground",
                "stance": "con",
                "author": "alassane",
                "body": (
                    "Mediation cannot replace physical presence in places like Mopti and "
                    "Ségou, where the mission is already thin on the ground. Moving "
                    "resources away from security could leave those areas with even less "
                    "protection in the short term, before any agreement has taken hold."
                ),
                "votes": {
                    "fatoumata": "agree",
                    "claire": "agree",
                    "aissata": "agree",
                    "amina": "disagree",
                    "hamadoun": "disagree",
                },
                "replies": [
                    {
                        "key": "agreements-reach-further",
                        "stance": "con",
                        "author": "mariam",
                        "body": (
                            "Presence in Mopti and Ségou is limited precisely because the "
                            "mission cannot cover everything by force. Local agreements can "
                            "lower violence where troops do not go, as the agreements between "
                            "Tuareg communities and Ansar Dine in the Kidal region suggested."
                        ),
                        "votes": {
                            "intalla": "agree",
                            "ogobara": "agree",
                            "alassane": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
            {
                "key": "late-in-the-mandate",
                "stance": "con",
                "author": "claire",
                "body": (
                    "If the mission turns to mediation and its mandate then ends in June "
                    "2022, it may leave talks half-built with no one to guarantee them. "
                    "Changing course this late in a mandate is a gamble."
                ),
                "votes": {
                    "johan": "agree",
                    "alassane": "agree",
                    "kwame": "disagree",
                    "aissata": "agree",
                },
                "replies": [
                    {
                        "key": "plan-the-handover",
                        "stance": "con",
                        "author": "kwame",
                        "body": (
                            "That argues for bringing in a regional partner now, not for "
                            "staying put. A clear focus on mediation would also make it "
                            "easier to coordinate with Malian forces and to plan how the "
                            "mission's tasks pass to the Malian state, with ECOWAS or the "
                            "African Union carrying the work on."
                        ),
                        "votes": {
                            "mariam": "agree",
                            "amina": "agree",
                            "claire": "disagree",
                            "awa": "agree",
                        },
                        "replies": [],
                    },
                ],
            },
        ],
    },
    # ------------------------------------------------------------------
    # Related debate: an African mediator
    # ------------------------------------------------------------------
    {
        "slug": "african-third-party-mediator",
        "motion": "Should an African body such as ECOWAS or the African Union lead mediation with JNIM?",
        "background": (
            "If the Malian government and JNIM ever sit down together, someone will have to "
            "mediate. One view is that an African regional body, such as the Economic "
            "Community of West African States (ECOWAS) or the African Union, would have "
            "more legitimacy and regional understanding than outside actors, and could stay "
            "engaged after MINUSMA's mandate ends.\n\n"
            "Points on the other side: ECOWAS is one of the bodies that sanctioned Mali when the "
            "transitional government delayed elections in December 2021, the 2015 Algiers "
            "accords are widely seen in Mali as imposed from outside, and recent successful "
            "mediation, such as that of the Community Association Monobèm, has come from "
            "Malians themselves."
        ),
        "organiser": "kwame",
        "positions": {
            "amina": ("undecided", "for"),
            "moussa": ("for", "for"),
            "awa": ("for", "for"),
            "hamadoun": ("for", "for"),
            "ogobara": ("against", "undecided"),
            "fadimata": ("undecided", None),
            "intalla": ("for", "for"),
            "mariam": ("for", "for"),
            "alassane": ("undecided", "against"),
            "fatoumata": ("against", "against"),
            "aissata": ("undecided", None),
            "claire": ("undecided", "against"),
            "kwame": ("for", "for"),
            "johan": ("against", "undecided"),
        },
        "arguments": [
            {
                "key": "african-legitimacy",
                "stance": "pro",
                "author": "intalla",
                "body": (
                    "An African mediator would carry more legitimacy with Malians than a UN "
                    "mission or a former colonial power. After the Algiers accords, which "
                    "many Malians saw as pressed on them from abroad, who brings the parties "
                    "together matters as much as what they agree."
                ),
                "votes": {
                    "kwame": "agree",
                    "moussa": "agree",
                    "hamadoun": "agree",
                    "fatoumata": "disagree",
                    "awa": "agree",
                    "ogobara": "disagree",
                },
                "replies": [
                    {
                        "key": "ecowas-not-neutral",
                        "stance": "con",
                        "author": "fatoumata",
                        "body": (
                            "Being African does not make a body neutral in Malian eyes. "
                            "ECOWAS sanctioned Mali after the election delay in December "
                            "2021, so the transitional government may see it as a party to a "
                            "dispute rather than an honest broker."
                        ),
                        "votes": {
                            "alassane": "agree",
                            "claire": "agree",
                            "ogobara": "agree",
                            "intalla": "disagree",
                        },
                        "replies": [
                            {
                                "key": "au-or-timetable",
                                "stance": "con",
                                "author": "kwame",
                                "body": (
                                    "The African Union is another option if ECOWAS is too "
                                    "close to the sanctions. And pressing for an election "
                                    "timetable is not the same as taking sides between Bamako "
                                    "and JNIM; a mediator who insists talks must not become a "
                                    "reason for further delay could be an asset."
                                ),
                                "votes": {
                                    "intalla": "agree",
                                    "mariam": "agree",
                                    "fatoumata": "disagree",
                                    "awa": "agree",
                                },
                                "replies": [],
                            },
                        ],
                    },
                ],
            },
            {
                "key": "staying-power",
                "stance": "pro",
                "author": "mariam",
                "body": (
                    "MINUSMA's mandate runs to June 2022 and may not be renewed. A regional "
                    "body will still be there afterwards, which matters because talks and "
                    "the work of carrying out an agreement take far longer than one mandate."
                ),
                "votes": {
                    "kwame": "agree",
                    "amina": "agree",
                    "johan": "agree",
                    "claire": "disagree",
                },
                "replies": [],
            },
            {
                "key": "regional-understanding",
                "stance": "pro",
                "author": "hamadoun",
                "body": (
                    "Regional bodies bring an understanding of the Sahel's communities and "
                    "politics that distant actors lack. The crisis is also regional: the "
                    "Sahel saw eight attempted coups in a single year, and its neighbours "
                    "have every reason to stay engaged."
                ),
                "votes": {
                    "kwame": "agree",
                    "moussa": "agree",
                    "johan": "disagree",
                    "fadimata": "agree",
                },
                "replies": [
                    {
                        "key": "neighbours-have-interests",
                        "stance": "con",
                        "author": "johan",
                        "body": (
                            "Regional knowledge cuts both ways. Neighbouring states have "
                            "their own stakes in the outcome and may push for terms that suit "
                            "them rather than Malians."
                        ),
                        "votes": {
                            "claire": "agree",
                            "alassane": "agree",
                            "hamadoun": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
            {
                "key": "capacity-gap",
                "stance": "con",
                "author": "claire",
                "body": (
                    "Leading talks with an al-Qaeda-linked group takes money, security and "
                    "skilled staff. The practical tools involved, such as trained "
                    "negotiating teams, digital platforms and conference funding, may have "
                    "to come from the UN anyway, which makes the African lead partly "
                    "symbolic."
                ),
                "votes": {
                    "johan": "agree",
                    "alassane": "agree",
                    "kwame": "disagree",
                    "mariam": "disagree",
                },
                "replies": [
                    {
                        "key": "split-funding-and-lead",
                        "stance": "con",
                        "author": "kwame",
                        "body": (
                            "Leading and paying can be separated. The UN can fund the tools "
                            "while an African body holds the mediator's chair, which keeps "
                            "the benefit of legitimacy without asking the region to carry "
                            "the whole cost."
                        ),
                        "votes": {
                            "amina": "agree",
                            "intalla": "agree",
                            "claire": "disagree",
                            "awa": "agree",
                        },
                        "replies": [],
                    },
                ],
            },
            {
                "key": "malians-mediate-best",
                "stance": "con",
                "author": "ogobara",
                "body": (
                    "The mediators who have actually delivered in recent years were "
                    "Malian. Monobèm brokered the Fulani-Dogon agreements, and the Kidal "
                    "agreements were local too. Putting any outside body in charge, African "
                    "or not, risks repeating the mistake of Algiers."
                ),
                "votes": {
                    "fadimata": "agree",
                    "fatoumata": "agree",
                    "kwame": "disagree",
                    "aissata": "agree",
                },
                "replies": [
                    {
                        "key": "national-needs-third-party",
                        "stance": "con",
                        "author": "awa",
                        "body": (
                            "Local mediators settle disputes between neighbouring "
                            "communities, but a national negotiation with JNIM's leaders "
                            "needs a third party that both the government and the group "
                            "accept. A regional body can support Malian mediators rather "
                            "than replace them."
                        ),
                        "votes": {
                            "kwame": "agree",
                            "mariam": "agree",
                            "ogobara": "disagree",
                        },
                        "replies": [],
                    },
                ],
            },
        ],
    },
]


# --- Moderation of the main debate -----------------------------------------------------------

#: Demo mediators: they neither post nor vote in the debate they mediate.
DEMO_MEDIATORS = {
    "sekou": "Demo · Sékou",
    "aminata": "Demo · Aminata",
}

#: Communities the organiser lists for the main debate, and the demo users who declared
#: one (privately; the page shows only groups of 5 or more).
COMMUNITIES = [
    "Fulani herders",
    "Dogon farmers",
    "Government",
    "Civil society",
    "Religious leaders",
    "Women's associations",
    "Youth",
]
DECLARED = {
    "hamadoun": "Fulani herders",
    "fadimata": "Fulani herders",
    "ogobara": "Dogon farmers",
    "mariam": "Civil society",
    "amina": "Civil society",
    "awa": "Civil society",
    "fatoumata": "Civil society",
    "aissata": "Civil society",
    "alassane": "Government",
    "moussa": "Youth",
}

#: mediator key -> the community they represent (None: independent).
MEDIATORS = {"sekou": None, "aminata": "Women's associations"}

SUMMARY_NOTE = (
    "**Where the debate stands so far.** Both sides agree that the military route alone has "
    "not brought security, and that local agreements such as those mediated by Monobèm "
    "deserve support. They disagree on whether talks with JNIM would protect or endanger "
    "women and minorities, and on who should lead any mediation. Arguments with sources on "
    "these two points would help most."
)

#: The mediators' draft agreement for the main debate: (kind, text, who endorses, who objects).
AGREEMENT = [
    (
        "common_ground",
        "Military operations alone have not brought security to central and northern Mali; "
        "whatever is decided about JNIM, local mediation deserves lasting support.",
        ["mariam", "amina", "awa", "fatoumata", "hamadoun", "ogobara", "moussa"],
        ["alassane"],
    ),
    (
        "disagreement",
        "Whether a negotiated settlement with JNIM would protect or endanger the rights of "
        "women and minorities remains disputed.",
        ["aissata", "awa"],
        ["fadimata"],
    ),
    (
        "next_step",
        "Ask ECOWAS and the African Union whether either would act as a neutral mediator, and "
        "report back to participants before any talks are proposed.",
        ["mariam", "aissata", "intalla"],
        [],
    ),
]

#: The simulated crowd of the main debate: demo voters who vote but never write, so the
#: report has enough people per community to show. community -> (how many, lean), where
#: lean runs from -1 (against talks) to 1 (for talks). None: no declared community.
CROWD = {
    "Fulani herders": (8, 0.6),
    "Dogon farmers": (8, -0.3),
    "Government": (7, -0.5),
    "Civil society": (6, 0.3),
    "Religious leaders": (7, 0.5),
    "Women's associations": (8, -0.4),
    "Youth": (8, 0.7),
    None: (6, 0.0),
}
#: Arguments (by key) that nearly everyone agrees with, whatever they think of the motion.
CROWD_COMMON_GROUND = [
    "community-deals-work",
    "monobem-shows-how",
    "local-ceasefires-exist",
    "status-quo-not-safe",
    "cost-falls-on-victims",
    "design-the-process",
    "consultation-is-groundwork",
]
#: Where a community departs from its lean: community -> {argument key: extra pull}.
CROWD_PULLS = {
    "Women's associations": {
        "women-and-minorities": 2.5,
        "women-not-at-table": 2.5,
        "qadis-are-not-rights": 2.0,
        "red-lines-at-the-table": -1.5,
    },
    "Religious leaders": {
        "red-lines-at-the-table": 2.0,
        "jnim-has-compromised": 1.5,
        "debates-on-islam": 1.5,
        "qadis-are-not-rights": -2.0,
    },
    "Government": {
        "malian-led-recognition": 2.0,
        "junta-deal-disowned": -2.5,
        "wait-for-elections": -2.0,
        "keep-the-pressure": -1.5,
    },
    "Youth": {"barkhane-failed": 1.5, "decapitation-backfired": 1.5, "wait-for-elections": -1.5},
    "Dogon farmers": {"kidal-shows-the-link": 1.5, "short-term-violence": 1.5},
    "Fulani herders": {"decapitation-backfired": 2.0, "deal-is-a-hope": -1.0},
}
#: For each point of AGREEMENT, the share of the crowd that endorses it and that objects.
CROWD_ENDORSEMENTS = [(0.95, 0.03), (0.45, 0.25), (0.5, 0.1)]

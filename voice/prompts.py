"""What the gateway itself says: turn-taking only (the answers come from the assistant)."""

from __future__ import annotations

NOT_HEARD = "Je ne vous ai pas entendu."
UNKNOWN_KEY = "Cette touche ne correspond à aucun choix."
CALLBACK_OFFER = (
    "Je ne vous entends toujours pas. Pour être rappelé par un conseiller, "
    "dites conseiller ou tapez zéro maintenant."
)
REPEAT_NUMBER = "D'accord. Redites le numéro, ou tapez-le sur le clavier suivi de la touche dièse."
CONFIRM_QUESTION = "C'est bien ça ? Dites oui ou tapez 1, sinon dites non ou tapez 2."


def confirm_number(spoken_pairs: str) -> str:
    return f"J'ai noté : {spoken_pairs}. {CONFIRM_QUESTION}"


def goodbye_after_silence(contact_phone: str, hours: str) -> str:
    return (
        f"Vous pouvez rappeler le {contact_phone} : nos conseillers vous répondent {hours}. "
        "Au revoir."
    )


def technical_problem(contact_phone: str, hours: str) -> str:
    return (
        "Désolé, le service rencontre un problème technique. "
        f"Merci de rappeler le {contact_phone}, {hours}. Au revoir."
    )


# Said on many calls: rendered once at start-up.
FIXED = (NOT_HEARD, UNKNOWN_KEY, CALLBACK_OFFER, REPEAT_NUMBER, CONFIRM_QUESTION)

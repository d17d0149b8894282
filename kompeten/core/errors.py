"""Domain errors with stable machine codes. Pages translate them; the API returns {"code", "detail"}."""


class DomainError(Exception):
    """A business rule said no. ``code`` is stable and tested; ``message`` is for people (translated)."""

    def __init__(self, code: str, message: str = "", **params):
        self.code = code
        self.params = params
        self.message = str(message) % params if params and message else str(message or code)
        super().__init__(self.message)

    def as_dict(self) -> dict:
        return {"code": self.code, "detail": self.message}

class ThreadPoolExecutor:
    def __init__(
        self, max_workers: int = 10, pool_kwargs: dict[str, object] | None = None
    ) -> None: ...

"""Persistence: SQLAlchemy models, repositories, the unit of work and Alembic migrations.

Build everything from ``main()``::

    engine = make_engine(settings.database_url)
    upgrade(engine)
    uow = SqlUnitOfWork(make_session_factory(engine))
"""

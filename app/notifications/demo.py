from app.notifications.services import notify


def seed(ctx) -> None:
    notify(
        ctx.consumer,
        "general",
        "Добро пожаловать в личный кабинет",
        "Здесь появляются сообщения о ходе ваших заявок и обращений.",
        "/cabinet",
    )

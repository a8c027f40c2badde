use crate::scheme::HmacScheme;
use crate::WebhookVerify;

impl WebhookVerify<HmacScheme> {}

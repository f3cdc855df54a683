"""WhatsApp through Twilio: the webhooks in, the sender out, campaign delivery on top."""

from bot.channels.whatsapp.webhook import WhatsAppChannel

__all__ = ["WhatsAppChannel"]

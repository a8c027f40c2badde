#!/usr/bin/env bash
# Create interop/.venv and install interop/requirements.txt into it.
# Idempotent: reinstalls only when requirements.txt changed since the last
# successful install (stamp kept inside the venv).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
venv="$here/.venv"
req="$here/requirements.txt"
stamp="$venv/.requirements.sha256"
python="${PYTHON:-python3}"

if [ ! -x "$venv/bin/python" ]; then
  "$python" -m venv "$venv"
fi
# keep the venv out of git whatever the surrounding .gitignore says
printf '*\n' > "$venv/.gitignore"

want="$(sha256sum "$req" | cut -d' ' -f1)"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
  "$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$req"
  "$venv/bin/python" -m pip check
  printf '%s\n' "$want" > "$stamp"
fi
"$venv/bin/python" -c 'import box_sdk_gen.internal.utils, box_sdk_gen.managers.webhooks, slack_sdk, twilio, standardwebhooks, svix, stripe, sendgrid, discord_interactions, razorpay, workos, linebot, polar, hubspot, Adyen, braintree, box_sdk_gen, paddle_billing, square, telnyx, nacl, coinbase_commerce, vonage_jwt, resend, replicate, mailgun, jwt, cryptography'

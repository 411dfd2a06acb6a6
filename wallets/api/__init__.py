"""The wallets JSON API (DRF): views in `views`, input/output serializers in `serializers`."""

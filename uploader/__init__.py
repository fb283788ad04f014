"""nekobt-upload: publish anime releases on nekoBT from a watch folder or CI."""

__version__ = "0.1.0"
USER_AGENT = f"nekobt-upload/{__version__}"

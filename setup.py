from setuptools import find_packages, setup

with open("requirements.txt") as f:
	install_requires = [line.strip() for line in f if line.strip() and not line.startswith("#")]

from ims_compliance import __version__ as version

setup(
	name="ims_compliance",
	version=version,
	description="GST Invoice Management System (IMS) for ERPNext",
	author="ims_compliance developers",
	author_email="dev@ims-compliance.invalid",
	packages=find_packages(exclude=["tests", "tests.*", "benchmarks"]),
	zip_safe=False,
	include_package_data=True,
	install_requires=install_requires,
	python_requires=">=3.10",
)

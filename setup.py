"""Package map: drivers/ and sim_instruments/ install as ssbcert.drivers and ssbcert.sim_instruments,
protocols/ as ssbcert.protocols (package data), so no generic top-level names land in site-packages."""
from setuptools import find_packages, setup

MAPPED = {"drivers": "ssbcert.drivers", "sim_instruments": "ssbcert.sim_instruments", "protocols": "ssbcert.protocols"}

packages = find_packages(include=["ssbcert", "ssbcert.*"])
package_dir = {"ssbcert": "ssbcert"}
for folder, name in MAPPED.items():
    package_dir[name] = folder
    packages.append(name)
    packages += [name + sub[len(folder):] for sub in find_packages(include=[f"{folder}.*"])]

setup(
    packages=packages,
    package_dir=package_dir,
    package_data={
        "ssbcert.protocols": ["*.yaml"],
        "ssbcert": ["data/*.csv", "data/*.yaml", "templates/*"],
        "ssbcert.bench": ["*.yaml"],
        "ssbcert.monitor": ["static/*"],  # the monitor page and its plotting script (no CDN)
    },
    include_package_data=True,
)

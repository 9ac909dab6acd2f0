; Inno Setup script for Neuroplay on Windows (Inno Setup 6.3 or newer: the x64compatible
; architecture identifier below is new in 6.3). Not built or tested on Linux.
;
; 1. Freeze the app:  .venv\Scripts\python packaging\build.py
;    (makes build\pyinstaller\dist\neuroplay\neuroplay.exe and its _internal folder)
; 2. Build the installer, passing the version from pyproject.toml:
;    iscc /DAppVersion=0.1.0 packaging\windows\neuroplay.iss
;    -> dist\neuroplay-0.1.0-windows-x64-setup.exe

#if Ver < EncodeVer(6, 3, 0)
  #error Inno Setup 6.3 or newer is needed (ArchitecturesAllowed=x64compatible)
#endif
#ifndef AppVersion
  #error Pass the version from pyproject.toml: iscc /DAppVersion=X.Y.Z neuroplay.iss
#endif
#define AppName "Neuroplay"
#define AppExe "neuroplay.exe"
#define Root "..\.."

[Setup]
; A fixed AppId lets upgrades replace the old install. Never change it.
AppId={{6F0C2D53-8B1E-4D7A-9E3B-5A1F27C4B9D0}
AppName={#AppName}
AppVersion={#AppVersion}
AppVerName={#AppName} {#AppVersion}
AppPublisher=Neuroplay
DefaultDirName={autopf}\{#AppName}
DefaultGroupName={#AppName}
DisableProgramGroupPage=yes
; Per-user install without admin rights unless the user asks for all users.
PrivilegesRequired=lowest
PrivilegesRequiredOverridesAllowed=dialog
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
OutputDir={#Root}\dist
OutputBaseFilename=neuroplay-{#AppVersion}-windows-x64-setup
SetupIconFile={#Root}\resources\icons\neuroplay.ico
UninstallDisplayIcon={app}\{#AppExe}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern

[Languages]
Name: "english"; MessagesFile: "compiler:Default.isl"

[Tasks]
Name: "desktopicon"; Description: "{cm:CreateDesktopIcon}"; GroupDescription: "{cm:AdditionalIcons}"; Flags: unchecked

[Files]
Source: "{#Root}\build\pyinstaller\dist\neuroplay\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{group}\{#AppName}"; Filename: "{app}\{#AppExe}"
Name: "{group}\{cm:UninstallProgram,{#AppName}}"; Filename: "{uninstallexe}"
Name: "{autodesktop}\{#AppName}"; Filename: "{app}\{#AppExe}"; Tasks: desktopicon

[Run]
Filename: "{app}\{#AppExe}"; Description: "{cm:LaunchProgram,{#AppName}}"; Flags: nowait postinstall skipifsilent
